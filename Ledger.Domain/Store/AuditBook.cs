namespace Ledger.Domain.Store;

public sealed record AuditRecord(long Id, long? UserId, string Action, string Subject, string Detail, string? Address, string At);

/// <summary>The audit trail of a community, read in pages (writes go through <see cref="WriteScope.AuditAsync"/>).</summary>
public sealed class AuditBook(LedgerDatabase db)
{
    public Task<IReadOnlyList<AuditRecord>> PageAsync(long communityId, long afterId, int take) => db.ReadAsync<IReadOnlyList<AuditRecord>>(async read =>
        (await read.QueryAsync<(long Id, long? UserId, string Action, string Subject, string Detail, string? Address, string At)>($"""
            SELECT id, user_id, action, subject, detail, address, at FROM audit_log WHERE community_id = @communityId AND id > @afterId ORDER BY id LIMIT {take}
            """, new { communityId, afterId })).Select(r => new AuditRecord(r.Id, r.UserId, r.Action, r.Subject, r.Detail, r.Address, r.At)).ToList());
}
