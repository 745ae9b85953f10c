using System.Text;

namespace Ledger.Domain.Model;

/// <summary>
/// A small RFC 4180 reader: comma-separated, fields optionally in double quotes with "" for a quote,
/// CRLF or LF line ends, a leading BOM ignored, blank lines skipped. Unquoted fields are trimmed.
/// </summary>
public static class Csv
{
    public static IEnumerable<string[]> Read(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        string Take()
        {
            var value = wasQuoted ? field.ToString() : field.ToString().Trim();
            field.Clear();
            wasQuoted = false;
            return value;
        }
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else quoted = false;
                }
                else field.Append(c);
                continue;
            }
            switch (c)
            {
                case '"' when field.ToString().Trim().Length == 0:
                    field.Clear();
                    quoted = wasQuoted = true;
                    break;
                case ',':
                    fields.Add(Take());
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(Take());
                    if (!(fields.Count == 1 && fields[0].Length == 0)) yield return fields.ToArray();
                    fields.Clear();
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }
        if (field.Length > 0 || fields.Count > 0 || wasQuoted)
        {
            fields.Add(Take());
            if (!(fields.Count == 1 && fields[0].Length == 0)) yield return fields.ToArray();
        }
    }
}
