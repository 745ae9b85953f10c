namespace Ledger.Domain.Model;

/// <summary>
/// The trust terms document of API.md, as the community admin last set it. Percentages are kept
/// in basis points (10% = 1000) so no rule ever compares floating point.
/// </summary>
public sealed record TrustTerms(
    TrustTerms.TrusteeInfo Trustee,
    TrustTerms.RemunerationTerms Remuneration,
    TrustTerms.ApprovalTerms Approval,
    TrustTerms.DisclosureTerms Disclosure,
    int QueryAnswerDays,
    IReadOnlyList<string> EmbedOrigins,
    TrustTerms.LateFeeTerms? LateFee,
    bool FollowMajority,
    VoteTerms? Votes = null)
{
    public sealed record TrusteeInfo(string Name, string CreditCode);

    /// <summary><c>percent</c> of fees collected in the month (basis points), or <c>fixed</c> fen per month.</summary>
    public sealed record RemunerationTerms(string Kind, long? PercentBasisPoints, long? Amount);

    public sealed record ApprovalTerms(long SupervisorUpTo, long CommitteeUpTo, int ExpiryDays);

    public sealed record DisclosureTerms(int CloseDay, int SignOffDays, string ArrearsDetail);

    public sealed record LateFeeTerms(int DailyRatePermyriad, int CapBasisPoints);
}
