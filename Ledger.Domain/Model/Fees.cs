using System.Globalization;
using System.Text;

namespace Ledger.Domain.Model;

/// <summary>Fee arithmetic in integers only: areas in hundredths of a m², rates in hundredths of a fen.</summary>
public static class Fees
{
    /// <summary>Parses a rate in yuan per m² per month with up to 4 decimals ("1.80") into hundredths of a fen (18000).</summary>
    public static bool TryParseRate(string? text, out long centiFen)
    {
        centiFen = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 12) return false;
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var yuan)) return false;
        if (yuan.Scale > 4 || yuan > 10_000m) return false;
        centiFen = (long)(yuan * 10_000m);
        return true;
    }

    public static string FormatRate(long centiFen) => (centiFen / 10_000m).ToString("0.00##", CultureInfo.InvariantCulture);

    /// <summary>An area in m² with at most two decimals, as whole hundredths.</summary>
    public static bool TryArea(decimal m2, out long centiM2)
    {
        centiM2 = 0;
        if (m2 <= 0 || m2 > 1_000_000m || decimal.Round(m2, 2) != m2) return false;
        centiM2 = (long)(m2 * 100m);
        return true;
    }

    public static decimal AreaM2(long centiM2) => centiM2 / 100m;

    /// <summary>round_half_up(area × rate) to the fen: area in 1/100 m², rate in 1/100 fen, so the product is in 1/10000 fen.</summary>
    public static long MonthlyFee(long areaCentiM2, long rateCentiFen) => checked(areaCentiM2 * rateCentiFen + 5_000) / 10_000;

    /// <summary>
    /// Late fee (违约金) for one overdue bill over <paramref name="days"/> days: outstanding × daily rate
    /// (in 1/10000) × days, rounded half up, never taking the bill's late fees past the cap.
    /// </summary>
    public static long LateFee(long outstanding, int dailyRatePermyriad, int days, long billAmount, int capBasisPoints, long chargedSoFar)
    {
        if (outstanding <= 0 || days <= 0 || dailyRatePermyriad <= 0) return 0;
        var fee = checked(outstanding * dailyRatePermyriad * days + 5_000) / 10_000;
        var cap = checked(billAmount * capBasisPoints) / 10_000;
        return Math.Max(0, Math.Min(fee, cap - chargedSoFar));
    }
}

/// <summary>Age buckets of the arrears view, by days since a bill was issued.</summary>
public static class ArrearsBuckets
{
    public static readonly string[] Names = ["0-30", "31-90", "91-180", "181-365", "over-365"];

    public static int Of(int days) => days switch
    {
        <= 30 => 0,
        <= 90 => 1,
        <= 180 => 2,
        <= 365 => 3,
        _ => 4,
    };
}

public static class UnitUses
{
    public static bool IsValid(string? use) => use is { Length: >= 1 and <= 20 } && use.All(c => c is >= 'a' and <= 'z' or '_');
}

/// <summary>
/// A unit's building and number as kept: in Unicode compatibility form (NFKC), without invisible characters
/// (<see cref="Invisible"/>) or combining marks left over on their own, with each run of spaces one space, trimmed;
/// so the full-width "３０１" a Chinese keyboard types, "301" with a zero-width space, a variation selector or an
/// accent on its last digit, is the unit "301", not a second unit that looks the same.
/// </summary>
public static class UnitLabels
{
    public const int MaxLength = 40;

    public static string Normalize(string text)
    {
        string normal;
        try { normal = text.Normalize(System.Text.NormalizationForm.FormKC); }
        catch (ArgumentException) { normal = text; } // a lone surrogate: left for the text guard to refuse
        var kept = new System.Text.StringBuilder(normal.Length);
        foreach (var (rune, start, length) in Invisible.Runes(normal))
        {
            if (rune is { } r && (Invisible.IsInvisible(r) || IsMark(r))) continue;
            // Spaces only: a tab or a line break is kept, for the text guard to refuse.
            if (rune is { } space && Rune.GetUnicodeCategory(space) == UnicodeCategory.SpaceSeparator)
            {
                if (kept.Length > 0 && kept[^1] != ' ') kept.Append(' ');
                continue;
            }
            kept.Append(normal, start, length);
        }
        return kept.ToString().Trim();
    }

    public static bool IsValid(string normalized) => normalized.Length is >= 1 and <= MaxLength;

    private static bool IsMark(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;
}

/// <summary>
/// Characters that show nothing: Unicode format characters (category Cf: zero-width spaces and joiners, direction
/// marks and overrides, soft hyphens, BOMs, tags), in any plane, and the other default-ignorable code points of
/// Unicode's DerivedCoreProperties (the combining grapheme joiner, variation selectors, Hangul fillers, ...).
/// </summary>
public static class Invisible
{
    public static string StripFormat(string text)
    {
        if (!Runes(text).Any(r => r.Rune is { } rune && IsInvisible(rune))) return text;
        var kept = new System.Text.StringBuilder(text.Length);
        foreach (var (rune, start, length) in Runes(text))
            if (rune is not { } r || !IsInvisible(r)) kept.Append(text, start, length);
        return kept.ToString();
    }

    /// <summary>Whether one UTF-16 unit is an invisible character of its own (a surrogate half never is).</summary>
    public static bool IsFormat(char c) => !char.IsSurrogate(c) && IsInvisible(new Rune(c));

    public static bool IsInvisible(Rune r) => Rune.GetUnicodeCategory(r) == UnicodeCategory.Format || IsDefaultIgnorable(r.Value);

    /// <summary>Default-ignorable code points outside category Cf (Unicode 16 DerivedCoreProperties.txt).</summary>
    private static bool IsDefaultIgnorable(int v) => v is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x3164 or 0xFFA0
        or >= 0x180B and <= 0x180F or >= 0x2060 and <= 0x206F or >= 0xFE00 and <= 0xFE0F or >= 0xFFF0 and <= 0xFFF8
        or >= 0x1BCA0 and <= 0x1BCA3 or >= 0x1D173 and <= 0x1D17A or >= 0xE0000 and <= 0xE0FFF;

    /// <summary>
    /// The text's code points with where they stand in it (start and length in UTF-16 units, so a caller copies them
    /// without a string each); a lone surrogate comes as itself with no rune, kept as it is.
    /// </summary>
    public static IEnumerable<(Rune? Rune, int Start, int Length)> Runes(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            var whole = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) == System.Buffers.OperationStatus.Done;
            yield return whole ? (rune, i, used) : (null, i, 1);
            i += whole ? used : 1;
        }
    }
}

public static class OwnerKinds
{
    public const string Person = "person";
    public const string Organisation = "organisation";
    public const string Developer = "developer";
    public static readonly string[] All = [Person, Organisation, Developer];
}

public static class AreaSources
{
    public static readonly string[] All = ["registered", "surveyed", "contract"];
}

public static class ReceiptSources
{
    /// <summary>Public revenue sources and the income account each credits.</summary>
    public static readonly IReadOnlyDictionary<string, string> Accounts = new Dictionary<string, string>
    {
        ["parking"] = AccountCodes.ParkingIncome,
        ["advertising"] = AccountCodes.AdvertisingIncome,
        ["rent"] = AccountCodes.RentIncome,
        ["interest"] = AccountCodes.InterestIncome,
        ["other"] = AccountCodes.OtherPublicIncome,
    };
}
