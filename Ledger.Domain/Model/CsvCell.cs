namespace Ledger.Domain.Model;

/// <summary>
/// One cell of a CSV file the service writes. A number stays a number; a text cell that a spreadsheet
/// would evaluate as a formula (it begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage
/// return) gets a leading apostrophe, so a payee named <c>-1+cmd|…</c> reaches Excel or WPS as text.
/// </summary>
public static class CsvCell
{
    public static string Format(string value)
    {
        if (IsNumber(value)) return value;
        var formula = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '＝' or '＋' or '－' or '＠';
        var text = formula ? "'" + value : value;
        return formula || text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;
    }

    /// <summary>An optionally negative decimal number as the service writes amounts: <c>-12.50</c>, <c>1250</c>.</summary>
    public static bool IsNumber(string value)
    {
        var i = value.StartsWith('-') ? 1 : 0;
        if (i >= value.Length) return false;
        var digits = 0;
        var dot = false;
        for (; i < value.Length; i++)
        {
            if (value[i] is >= '0' and <= '9') digits++;
            else if (value[i] == '.' && !dot && digits > 0) dot = true;
            else return false;
        }
        return digits > 0 && value[^1] != '.';
    }
}
