namespace Ledger.Domain.Model;

/// <summary>Roles are held per community; platform_admin is global and holds no role inside a community unless granted one.</summary>
public static class Roles
{
    public const string Owner = "owner";
    public const string Trustee = "trustee";
    public const string TrusteeManager = "trustee_manager";
    public const string Supervisor = "supervisor";
    public const string Committee = "committee";
    public const string CommunityAdmin = "community_admin";
    public const string PlatformAdmin = "platform_admin";

    public static readonly string[] Community = [Owner, Trustee, TrusteeManager, Supervisor, Committee, CommunityAdmin];

    /// <summary>"staff" in API.md.</summary>
    public static readonly string[] Staff = [Trustee, TrusteeManager];

    public static readonly string[] StaffAndOversight = [Trustee, TrusteeManager, Supervisor, Committee];

    public static readonly string[] StaffAndSupervisor = [Trustee, TrusteeManager, Supervisor];

    /// <summary>
    /// Who records paper ballots (the committee) and checks them (the supervisor): the only readers of the
    /// paper-ballot trail and of the scans, which show how a named unit voted. Not the trustee, the party
    /// the vote may be about, and not other owners.
    /// </summary>
    public static readonly string[] PaperBallotReaders = [Committee, Supervisor];
}

public sealed record CommunityInfo(long Id, string Slug, string Name, string TimeZone, int FiscalYearStartMonth, Month BooksStartMonth)
{
    public TimeZoneInfo Zone => Dates.TryFindZone(TimeZone, out var z) ? z : TimeZoneInfo.Utc;

    /// <summary>The period as instants in the community's time zone: midnight of its first day up to midnight after its last.</summary>
    public (DateTimeOffset From, DateTimeOffset Until) Instants(Period period) => (StartOf(period.From.FirstDay), StartOf(period.To.LastDay.AddDays(1)));

    private DateTimeOffset StartOf(DateOnly day) => new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), Zone), TimeSpan.Zero);
}
