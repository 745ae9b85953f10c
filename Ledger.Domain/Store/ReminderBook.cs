using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record OutboxMessage(long Id, string Kind, long? UnitId, string Body, string CreatedAt, string? SentAt);

/// <summary>
/// Arrears reminders (DESIGN.md section 7) go to an outbox, one per unit in arrears per month, for
/// whatever channel delivers them. Idempotent by (community, unit, month): a rerun adds nothing.
/// </summary>
public sealed class ReminderBook(LedgerDatabase db)
{
    public const string ArrearsKind = "arrears_reminder";

    /// <summary>Queues a reminder for every unit with a bill open for more than 30 days. Returns how many were added.</summary>
    public static async Task<int> QueueArrearsAsync(WriteScope scope)
    {
        var month = Month.Of(scope.Today).ToString();
        var cutoff = Dates.Format(scope.Today.AddDays(-30));
        var due = (await scope.QueryAsync<(long UnitId, string Building, string Number, long Due, string Oldest)>("""
            SELECT b.unit_id, u.building, u.number, CAST(SUM(b.amount_fen - b.paid_fen) AS BIGINT), MIN(b.month)
            FROM bills b JOIN units u ON u.community_id = b.community_id AND u.id = b.unit_id
            WHERE b.community_id = @Id AND b.paid_fen < b.amount_fen AND b.issued_on <= @cutoff
            GROUP BY b.unit_id, u.building, u.number
            """, new { scope.Community.Id, cutoff })).ToList();
        var added = 0;
        foreach (var d in due)
            added += await scope.ExecuteAsync("""
                INSERT INTO outbox (community_id, kind, dedupe_key, unit_id, body, created_at) VALUES (@Id, @Kind, @Key, @UnitId, @Body, @At)
                ON CONFLICT (community_id, kind, dedupe_key) DO NOTHING
                """, new
            {
                scope.Community.Id, Kind = ArrearsKind, Key = $"{d.UnitId}:{month}", d.UnitId, At = Dates.Instant(scope.Now),
                Body = $"{scope.Community.Name} {d.Building}-{d.Number}：您有物业服务费 {d.Due / 100m:0.00} 元未缴（最早自 {d.Oldest}）。请及时缴纳；如有疑问可在业主平台提出质询。",
            });
        return added;
    }

    public async Task<IReadOnlyList<OutboxMessage>> ListAsync(long communityId, long afterId, int limit)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<(long Id, string Kind, long? UnitId, string Body, string CreatedAt, string? SentAt)>($"""
            SELECT id, kind, unit_id, body, created_at, sent_at FROM outbox WHERE community_id = @communityId AND id > @afterId ORDER BY id LIMIT {limit}
            """, new { communityId, afterId })).Select(r => new OutboxMessage(r.Id, r.Kind, r.UnitId, r.Body, r.CreatedAt, r.SentAt)).ToList();
    }
}
