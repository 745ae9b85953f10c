using System.Data.Common;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

/// <summary>A response as first given, stored with its idempotency key and replayed to retries.</summary>
public sealed record StoredResponse(int Status, string Body);

/// <summary>A write's idempotency key and the hash of the request it came with.</summary>
public sealed record IdempotencyClaim(string Key, string RequestHash);

public abstract record WriteOutcome
{
    public sealed record Done(StoredResponse Response) : WriteOutcome;
    public sealed record Replayed(StoredResponse Response) : WriteOutcome;
    public sealed record Failed(Failure Failure) : WriteOutcome;
}

/// <summary>
/// Everything one community write needs: the open transaction, the community with its chain
/// head locked, and caches of the chart and the closed months for this transaction.
/// </summary>
public sealed class WriteScope(DbConnection connection, DbTransaction transaction, Dialect dialect,
    CommunityInfo community, long headSeq, string headChainHash, long? userId, DateTimeOffset now) : ReadScope(connection, transaction, dialect)
{
    public new DbTransaction Transaction { get; } = transaction;
    public CommunityInfo Community { get; } = community;
    public long HeadSeq { get; internal set; } = headSeq;
    public string HeadChainHash { get; internal set; } = headChainHash;
    public long? UserId { get; } = userId;
    public DateTimeOffset Now { get; } = now;
    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Now, Community.Zone).DateTime);

    /// <summary>The client's address, for the audit trail (null for jobs).</summary>
    public string? Address { get; init; }

    /// <summary>Records who did what, when and from where, in the same transaction as the effect.</summary>
    public Task AuditAsync(string action, string subject, string detail) => ExecuteAsync("""
        INSERT INTO audit_log (community_id, user_id, action, subject, detail, address, at) VALUES (@Id, @UserId, @action, @subject, @detail, @Address, @At)
        """, new { Community.Id, UserId, action, subject, detail, Address, At = Dates.Instant(Now) });

    internal IReadOnlyDictionary<string, AccountDef>? Chart { get; set; }

    /// <summary>The community's chart of accounts, read once per transaction.</summary>
    public async Task<IReadOnlyDictionary<string, AccountDef>> ChartAsync() =>
        Chart ??= await Journal.LoadChartAsync(this, Community.Id);
    internal HashSet<string>? ClosedMonths { get; set; }

    public Task<int> ExecuteAsync(string sql, object? param = null) => Connection.ExecuteAsync(sql, param, Transaction);
}

/// <summary>
/// Runs one write for one community: lock the community's chain head (writes serialise per
/// community; different communities proceed in parallel on PostgreSQL), check the idempotency
/// key, do the work, store the key with the response, commit — key and effect in one
/// transaction (guarantee 4). A failed rule rolls everything back and stores no key.
/// </summary>
public sealed class CommunityWriter(LedgerDatabase db, TimeProvider clock)
{
    public DateTimeOffset Now => clock.GetUtcNow();

    private sealed class HeadRow { public long HeadSeq { get; init; } public string HeadChainHash { get; init; } = ""; }

    private sealed class StoredKey
    {
        public string RequestHash { get; init; } = "";
        public long StatusCode { get; init; }
        public string ResponseBody { get; init; } = "";
    }

    private static string ReadsSql(Dialect dialect) =>
        "SELECT head_seq, head_chain_hash FROM communities WHERE id = @Id" + dialect.ForUpdate + ";\n" +
        "SELECT month FROM closed_months WHERE community_id = @Id;\n" + Journal.ChartSql;

    private static string ReadsWithKeySql(Dialect dialect) =>
        "SELECT head_seq, head_chain_hash FROM communities WHERE id = @Id" + dialect.ForUpdate + ";\n" +
        "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE community_id = @Id AND idem_key = @Key;\n" +
        "SELECT month FROM closed_months WHERE community_id = @Id;\n" + Journal.ChartSql;

    public async Task<WriteOutcome> RunAsync(CommunityInfo community, long? userId, IdempotencyClaim? claim,
        Func<WriteScope, Task<Result<StoredResponse>>> work, CancellationToken ct = default, string? address = null)
    {
        using var gate = await db.EnterWriterAsync(ct);
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await db.BeginWriteAsync(connection, ct);
        // One round trip: lock the chain head first (the statements run in order), then read the
        // idempotency key, the closed months and the chart under that lock.
        HeadRow head;
        StoredKey? stored;
        HashSet<string> closedMonths;
        IReadOnlyDictionary<string, AccountDef> chart;
        await using (var reads = await connection.QueryMultipleAsync(
            claim is null ? ReadsSql(db.Dialect) : ReadsWithKeySql(db.Dialect),
            new { community.Id, communityId = community.Id, Key = claim?.Key ?? "" }, tx))
        {
            head = await reads.ReadSingleAsync<HeadRow>();
            stored = claim is null ? null : await reads.ReadSingleOrDefaultAsync<StoredKey>();
            closedMonths = (await reads.ReadAsync<string>()).ToHashSet(StringComparer.Ordinal);
            chart = Journal.ToChart(await reads.ReadAsync<Journal.AccountRow>());
        }

        if (stored is not null)
        {
            await tx.RollbackAsync(ct);
            return stored.RequestHash == claim!.RequestHash
                ? new WriteOutcome.Replayed(new StoredResponse((int)stored.StatusCode, stored.ResponseBody))
                : new WriteOutcome.Failed(Failure.Conflict(Codes.IdempotencyKeyReused,
                    "This Idempotency-Key was already used with a different request."));
        }

        var scope = new WriteScope(connection, tx, db.Dialect, community, head.HeadSeq, head.HeadChainHash, userId, clock.GetUtcNow()) { Address = address, Chart = chart, ClosedMonths = closedMonths };
        var result = await work(scope);
        if (!result.Ok)
        {
            await tx.RollbackAsync(ct);
            return new WriteOutcome.Failed(result.Failure!);
        }

        if (claim is not null)
        {
            await connection.ExecuteAsync("""
                INSERT INTO idempotency_keys (community_id, idem_key, request_hash, status_code, response_body, created_at)
                VALUES (@Id, @Key, @RequestHash, @Status, @Body, @At)
                """,
                new { community.Id, claim.Key, claim.RequestHash, result.Value!.Status, result.Value.Body, At = Dates.Instant(scope.Now) }, tx);
        }
        await tx.CommitAsync(ct);
        return new WriteOutcome.Done(result.Value!);
    }

    private static readonly StoredResponse Nothing = new(200, "{}");

    /// <summary>A write with no response to keep (jobs, seeding): the work either succeeds or returns a failure, and then nothing is written.</summary>
    public Task<WriteOutcome> DoAsync(CommunityInfo community, long? userId, Func<WriteScope, Task<Failure?>> work, CancellationToken ct = default) =>
        RunAsync(community, userId, null, async scope => await work(scope) is { } failure ? failure : Nothing, ct);
}
