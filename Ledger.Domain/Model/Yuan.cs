using System.Globalization;

namespace Ledger.Domain.Model;

/// <summary>
/// Amounts people type in yuan ("1234.5", "¥1,234.56") read as whole fen with integer arithmetic
/// only: no floating point, so "0.29" is 29 fen and never 28.999….
/// </summary>
public static class Yuan
{
    /// <summary>
    /// Up to two decimals, an optional leading ¥ or ￥, thousands separators only in groups of three.
    /// Zero is read (the domain refuses it with amount_not_positive); signs, exponents and a third decimal are not.
    /// </summary>
    public static bool TryParseFen(string? text, out long fen)
    {
        fen = 0;
        if (text is null) return false;
        var s = text.Trim();
        if (s.Length > 0 && s[0] is '¥' or '￥') s = s[1..].TrimStart();
        if (s.Length is 0 or > 30) return false;
        var dot = s.IndexOf('.');
        var whole = dot < 0 ? s : s[..dot];
        var fraction = dot < 0 ? "" : s[(dot + 1)..];
        if (dot >= 0 && fraction.Length is 0 or > 2) return false;
        if (whole.Contains(','))
        {
            var groups = whole.Split(',');
            if (groups[0].Length is 0 or > 3 || groups.Skip(1).Any(g => g.Length != 3)) return false;
            whole = string.Concat(groups);
        }
        if (whole.Length == 0 || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit)) return false;
        if (whole.Length > 16) return false;
        var yuan = long.Parse(whole, NumberStyles.None, CultureInfo.InvariantCulture);
        var cents = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(2, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
        fen = checked(yuan * 100 + cents);
        return true;
    }

    /// <summary>Fen as the yuan a person would type back: 16123 → "161.23".</summary>
    public static string Format(long fen) =>
        (fen < 0 ? "-" : "") + (Math.Abs(fen) / 100).ToString(CultureInfo.InvariantCulture) + "." + (Math.Abs(fen) % 100).ToString("00", CultureInfo.InvariantCulture);
}
