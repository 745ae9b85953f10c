namespace Ledger.Domain.Model;

/// <summary>
/// Statuses that follow from the clock. A read derives them from the stored status, the deadlines
/// and the time; the jobs (and a write that depends on one) persist them. So a GET never writes and
/// never waits for the writer's lock, and what it shows does not depend on who looked first.
/// Instants are the fixed-width UTC text of <see cref="Dates.Instant"/>, compared ordinally.
/// </summary>
public static class Deadlines
{
    /// <summary>A pending spending request at or past its expiry is expired; every other status stands.</summary>
    public static string SpendingStatus(string stored, string expiresAt, DateTimeOffset now) =>
        stored == "pending" && string.CompareOrdinal(Dates.Instant(now), expiresAt) >= 0 ? "expired" : stored;

    /// <summary>A motion is closed from its closing time, open from its opening time, scheduled before.</summary>
    public static string MotionStatus(string stored, string opensAt, string closesAt, DateTimeOffset now)
    {
        if (stored == "closed") return stored;
        var at = Dates.Instant(now);
        if (string.CompareOrdinal(at, closesAt) >= 0) return "closed";
        if (string.CompareOrdinal(at, opensAt) >= 0) return "open";
        return stored;
    }
}
