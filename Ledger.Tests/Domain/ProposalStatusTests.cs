using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

public sealed class ProposalStatusTests
{
    private const string QualifiedAt = "2026-11-21T02:00:00.000Z";
    private const string RespondBy = "2026-12-21T02:00:00.000Z";

    [Theory]
    // No motion: qualified until the deadline, overdue after it.
    [InlineData(null, "2026-12-01", "qualified")]
    [InlineData(null, "2026-12-22", "overdue")]
    // A vote opening by the deadline answers it in time, from its announcement.
    [InlineData("2026-12-21T02:00:00.000Z", "2026-12-01", "voted")]
    [InlineData("2026-12-10T02:00:00.000Z", "2026-12-22", "voted")]
    // A vote opening after the deadline: still waiting before it, overdue from it until the vote opens, voted from then.
    [InlineData("2999-01-01T01:00:00.000Z", "2026-12-01", "qualified")]
    [InlineData("2999-01-01T01:00:00.000Z", "2026-12-22", "overdue")]
    [InlineData("2026-12-26T02:00:00.000Z", "2026-12-22", "overdue")]
    [InlineData("2026-12-26T02:00:00.000Z", "2026-12-26T02:00:00Z", "voted")]
    public void A_proposal_is_answered_in_time_only_by_a_vote_that_opens_within_the_response_period(string? motionOpensAt, string now, string status) =>
        Assert.Equal(status, ProposalStatus.Of(QualifiedAt, RespondBy, motionOpensAt is null ? null : 7, motionOpensAt,
            DateTimeOffset.Parse(now.Length == 10 ? now + "T00:00:00Z" : now, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void A_proposal_without_enough_support_is_collecting() =>
        Assert.Equal(ProposalStatus.Collecting, ProposalStatus.Of(null, null, null, null, DateTimeOffset.UnixEpoch));
}
