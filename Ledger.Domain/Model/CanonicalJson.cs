using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Ledger.Domain.Model;

/// <summary>
/// RFC 8785 (JCS) canonical JSON for the objects this ledger hashes. Object members are
/// sorted by their UTF-16 code units, no insignificant white space, strings escaped as
/// ECMAScript's JSON.stringify does. Money is whole fen, so only integers are accepted:
/// a fractional number in a hashed object is a defect, and it throws.
/// </summary>
public static class CanonicalJson
{
    public static string Serialize(JsonNode? node)
    {
        var sb = new StringBuilder(256);
        Write(sb, node);
        return sb.ToString();
    }

    public static byte[] Sha256(JsonNode? node) => SHA256.HashData(Encoding.UTF8.GetBytes(Serialize(node)));

    public static string Sha256Hex(JsonNode? node) => Convert.ToHexStringLower(Sha256(node));

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, key);
                    sb.Append(':');
                    Write(sb, value);
                }
                sb.Append('}');
                break;
            case JsonArray arr:
                sb.Append('[');
                for (var i = 0; i < arr.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, arr[i]);
                }
                sb.Append(']');
                break;
            case JsonValue value:
                WriteValue(sb, value);
                break;
        }
    }

    private static void WriteValue(StringBuilder sb, JsonValue value)
    {
        if (value.TryGetValue<string>(out var s)) { WriteString(sb, s); return; }
        if (value.TryGetValue<bool>(out var b)) { sb.Append(b ? "true" : "false"); return; }
        if (value.TryGetValue<long>(out var l)) { WriteInteger(sb, l); return; }
        if (value.TryGetValue<int>(out var i)) { WriteInteger(sb, i); return; }
        var element = value.GetValue<System.Text.Json.JsonElement>();
        switch (element.ValueKind)
        {
            case System.Text.Json.JsonValueKind.String: WriteString(sb, element.GetString()!); return;
            case System.Text.Json.JsonValueKind.True: sb.Append("true"); return;
            case System.Text.Json.JsonValueKind.False: sb.Append("false"); return;
            case System.Text.Json.JsonValueKind.Null: sb.Append("null"); return;
            case System.Text.Json.JsonValueKind.Number when element.TryGetInt64(out var n): WriteInteger(sb, n); return;
            default: throw new InvalidOperationException("Canonical JSON here carries integers only (money is whole fen).");
        }
    }

    internal static void WriteInteger(StringBuilder sb, long n)
    {
        // ECMAScript numbers are doubles: integers beyond 2^53 would not round-trip.
        const long MaxSafe = 9_007_199_254_740_991;
        if (n > MaxSafe || n < -MaxSafe) throw new InvalidOperationException("Integer outside the JSON safe range.");
        Span<char> digits = stackalloc char[20];
        n.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        sb.Append(digits[..written]);
    }

    internal static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        // Most strings need no escape: append them whole.
        if (!s.AsSpan().ContainsAnyInRange('\0', '\u001f') && !s.AsSpan().ContainsAny('"', '\\'))
        {
            sb.Append(s).Append('"');
            return;
        }
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
