namespace Ledger.Domain.Store;

public sealed record AuditRecord(long Id, long? UserId, string Action, string Subject, string Detail, string? Address, string At)
{
    /// <summary>Owners who support a proposal or answer an evaluation: never listed (DESIGN.md 10, 11), not even by who acted.</summary>
    private static readonly HashSet<string> AnonymousActors = ["proposal.support", "evaluation.respond"];

    /// <summary>A paper ballot names the unit that voted: for those who record and check paper ballots.</summary>
    private const string PaperBallot = "ballot.paper";

    /// <summary>
    /// The record as a reader may see it. Platform admins, who answer for abuse, see everything; others never see client
    /// addresses (personal data) or which owner supported a proposal or answered an evaluation; only the committee and
    /// supervisors see which unit a paper ballot was recorded for (the trustee, the party scrutinised, sees that one was).
    /// </summary>
    public AuditRecord ShownTo(bool platformAdmin, bool checksBallots) => platformAdmin ? this : this with
    {
        Address = null,
        UserId = AnonymousActors.Contains(Action) ? null : UserId,
        Detail = Action == PaperBallot && !checksBallots ? "" : Detail,
    };
}

/// <summary>The audit trail of a community, read in pages (writes go through <see cref="WriteScope.AuditAsync"/>).</summary>
public sealed class AuditBook(LedgerDatabase db)
{
    public Task<IReadOnlyList<AuditRecord>> PageAsync(long communityId, long afterId, int take) => db.ReadAsync<IReadOnlyList<AuditRecord>>(async read =>
        (await read.QueryAsync<(long Id, long? UserId, string Action, string Subject, string Detail, string? Address, string At)>($"""
            SELECT id, user_id, action, subject, detail, address, at FROM audit_log WHERE community_id = @communityId AND id > @afterId ORDER BY id LIMIT {take}
            """, new { communityId, afterId })).Select(r => new AuditRecord(r.Id, r.UserId, r.Action, r.Subject, r.Detail, r.Address, r.At)).ToList());
}
