using System.Globalization;

namespace Ledger.Domain.Model;

/// <summary>A calendar month (<c>2026-11</c>), the accounting period of the ledger.</summary>
public readonly record struct Month(int Year, int Number) : IComparable<Month>
{
    public static Month Of(DateOnly date) => new(date.Year, date.Month);

    public static bool TryParse(string? text, out Month month)
    {
        month = default;
        if (text is null || text.Length != 7 || text[4] != '-') return false;
        if (!int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var y)) return false;
        if (!int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)) return false;
        if (y < 2000 || y > 2999 || m < 1 || m > 12) return false;
        month = new Month(y, m);
        return true;
    }

    public static Month Parse(string text) =>
        TryParse(text, out var m) ? m : throw new FormatException($"Not a month: {text}");

    public DateOnly FirstDay => new(Year, Number, 1);
    public DateOnly LastDay => FirstDay.AddMonths(1).AddDays(-1);
    public Month Next => Of(FirstDay.AddMonths(1));
    public Month Previous => Of(FirstDay.AddMonths(-1));

    public int CompareTo(Month other) => (Year * 12 + Number).CompareTo(other.Year * 12 + other.Number);
    public static bool operator <(Month a, Month b) => a.CompareTo(b) < 0;
    public static bool operator >(Month a, Month b) => a.CompareTo(b) > 0;
    public static bool operator <=(Month a, Month b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Month a, Month b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Year:D4}-{Number:D2}";
}

public static class Dates
{
    public static bool TryParse(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
        && date.Year >= 2000 && date.Year <= 2999;

    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Instants are stored as fixed-width ISO 8601 UTC text, so they sort as text on both engines.</summary>
    public static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Today's date in a community's time zone.</summary>
    public static DateOnly Today(TimeProvider clock, TimeZoneInfo zone) => DayOf(clock.GetUtcNow(), zone);

    /// <summary>The date an instant falls on in a community's time zone.</summary>
    public static DateOnly DayOf(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    /// <summary>The date a stored instant (<see cref="Instant"/>) falls on in a community's time zone.</summary>
    public static DateOnly DayOf(string instant, TimeZoneInfo zone) =>
        DayOf(DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), zone);

    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id)) return false;
        try { zone = TimeZoneInfo.FindSystemTimeZoneById(id); return true; }
        catch (TimeZoneNotFoundException) { return false; }
        catch (InvalidTimeZoneException) { return false; }
    }
}
