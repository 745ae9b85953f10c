using System.Data.Common;
using Dapper;
using Ledger.Domain.Model;
using NpgsqlTypes;

namespace Ledger.Domain.Store;

/// <summary>A response as first given, stored with its idempotency key and replayed to retries.</summary>
public sealed record StoredResponse(int Status, string Body);

/// <summary>
/// A write's idempotency key as stored (one namespace per community) and the hash of the request it came with.
/// A natural key of the effect itself (a payment's external reference) is the community's, whoever sends it;
/// a key the caller chose (the <c>Idempotency-Key</c> header, a portal form's id) is kept under the caller
/// (<see cref="OfCaller"/>): two people who choose the same key never get each other's answer, nor learn that the
/// other used it.
/// </summary>
public sealed record IdempotencyClaim(string Key, string RequestHash)
{
    public static IdempotencyClaim OfCaller(long? userId, string key, string requestHash) => new(CallerKey(userId, key), requestHash);

    /// <summary>A key the caller chose, as stored: under the caller.</summary>
    public static string CallerKey(long? userId, string key) =>
        $"caller:{userId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}:{key}";
}

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
public sealed class WriteScope(DbConnection connection, DbTransaction? transaction, Dialect dialect,
    CommunityInfo community, long headSeq, string headChainHash, long? userId, DateTimeOffset now) : ReadScope(connection, transaction, dialect)
{
    /// <summary>The write's transaction; null only in a deferred scope (<see cref="CommunityWriter.PostAsync"/>), whose work writes
    /// nothing itself and reads only without a lock (a payment's unit and bills, <see cref="FeeBook.PayAsync"/>).</summary>
    public new DbTransaction? Transaction { get; } = transaction;

    /// <summary>
    /// True in <see cref="CommunityWriter.PostAsync"/> on PostgreSQL: <see cref="Journal.PostAsync"/> validates,
    /// hashes and chains as always, but leaves its one entry in <see cref="Pending"/> for the one-call write.
    /// </summary>
    internal bool Deferred { get; init; }
    internal PendingPosting? Pending { get; set; }

    /// <summary>A deferred payment: what <see cref="FeeBook.PayAsync"/> read without a lock (kept for a re-hash when
    /// only the head moved, dropped when the bills changed) and its rows besides the entry.</summary>
    internal PaymentRead? PaymentRead { get; set; }
    internal PendingPayment? PendingPayment { get; set; }
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
        using var gate = await db.EnterWriterAsync(community.Id, ct);
        return await RunLockedAsync(community, userId, claim, work, address, ct);
    }

    private async Task<WriteOutcome> RunLockedAsync(CommunityInfo community, long? userId, IdempotencyClaim? claim,
        Func<WriteScope, Task<Result<StoredResponse>>> work, string? address, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await db.BeginWriteAsync(connection, ct);
        var cache = db.Engine == Engine.Postgres;
        try
        {
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
            // What was read under the lock; kept for the one-call path if nothing is written.
            var unchanged = new CachedHead(head.HeadSeq, head.HeadChainHash, chart, closedMonths.ToHashSet(StringComparer.Ordinal));

            if (stored is not null)
            {
                await tx.RollbackAsync(ct);
                if (cache) db.Heads[community.Id] = unchanged;
                return stored.RequestHash == claim!.RequestHash
                    ? new WriteOutcome.Replayed(new StoredResponse((int)stored.StatusCode, stored.ResponseBody))
                    : new WriteOutcome.Failed(KeyReused);
            }

            var scope = new WriteScope(connection, tx, db.Dialect, community, head.HeadSeq, head.HeadChainHash, userId, clock.GetUtcNow()) { Address = address, Chart = chart, ClosedMonths = closedMonths };
            var result = await work(scope);
            if (!result.Ok)
            {
                await tx.RollbackAsync(ct);
                if (cache) db.Heads[community.Id] = unchanged;
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
            // The chart and closed months as read at the start: if the work added an account or closed a
            // month, the one-call path still finds out (an unknown account is re-decided here; the
            // function checks closed months itself).
            if (cache) db.Heads[community.Id] = unchanged with { Seq = scope.HeadSeq, ChainHash = scope.HeadChainHash };
            return new WriteOutcome.Done(result.Value!);
        }
        catch
        {
            db.Heads.TryRemove(community.Id, out _);
            throw;
        }
    }

    private static Failure KeyReused => Failure.Conflict(Codes.IdempotencyKeyReused, "This Idempotency-Key was already used with a different request.");

    /// <summary>How often a one-call posting re-hashes against a head moved by another instance (or a payment re-plans
    /// against bills another instance changed) before it takes the lock first.</summary>
    private const int MovedRetries = 4;

    /// <summary>
    /// A write whose only effect is one journal entry (a manual entry), or a payment (<see cref="FeeBook.PayAsync"/>):
    /// <paramref name="work"/> validates and calls <see cref="Journal.PostAsync"/> once, and renders the response,
    /// writing nothing else itself. Same
    /// outcomes as <see cref="RunAsync"/>. On PostgreSQL it is one round trip: the work runs against this
    /// process's cached head, chart and closed months (validation, canonical form, hash and chain exactly as
    /// in <see cref="RunAsync"/>), then <c>ledger_post_entry</c> (migration 0017) locks the head, replays or
    /// refuses a known key, checks the head and the month, and writes entry, lines, balances, head and key. The call
    /// goes through <see cref="PostingCombiner"/>: postings of other communities arriving meanwhile share its round
    /// trip and its commit, each with its own outcome. A moved head (another instance wrote) means a re-hash and a new call;
    /// anything refused on cached data, or needing a read under the lock, goes through <see cref="RunAsync"/>,
    /// which decides it as always. A payment is two round trips: its work first reads the unit and its open bills
    /// without a lock and takes a payment id, then <c>ledger_post_payment</c> (migration 0020) also answers 'stale'
    /// when those bills changed before it took the lock: the work reads and plans again. SQLite: <see cref="RunAsync"/>.
    /// </summary>
    public async Task<WriteOutcome> PostAsync(CommunityInfo community, long? userId, IdempotencyClaim? claim,
        Func<WriteScope, Task<Result<StoredResponse>>> work, CancellationToken ct = default, string? address = null)
    {
        using var gate = await db.EnterWriterAsync(community.Id, ct);
        if (db.Engine != Engine.Postgres) return await RunLockedAsync(community, userId, claim, work, address, ct);
        try
        {
            if (!db.Heads.TryGetValue(community.Id, out var cached))
                await using (var connection = await db.OpenAsync(ct))
                    cached = await LoadAsync(connection, community.Id);
            PaymentRead? read = null;
            for (var attempt = 0; attempt <= MovedRetries; attempt++)
            {
                // The work's reads (a payment's unit and bills) on a connection of their own, given back before the call:
                // a posting waiting in the group commit holds no connection, so waiting callers never keep the writers from one.
                WriteScope scope;
                Result<StoredResponse> result;
                await using (var connection = await db.OpenAsync(ct))
                {
                    scope = new WriteScope(connection, null, db.Dialect, community, cached.Seq, cached.ChainHash, userId, clock.GetUtcNow())
                    { Address = address, Chart = cached.Chart, ClosedMonths = cached.ClosedMonths.ToHashSet(StringComparer.Ordinal), Deferred = true, PaymentRead = read };
                    result = await work(scope);
                }
                if (!result.Ok || scope.Pending is not { } pending) break; // decided under the lock below
                if (scope.PendingPayment is not null && claim is null) break; // a payment always has its key
                var reply = scope.PendingPayment is { } payment
                    ? await CallAsync(pending, payment, claim!, result.Value!, cached.ChainHash)
                    : await CallAsync(pending, claim, result.Value!, cached.ChainHash);
                switch (reply.Outcome)
                {
                    case "posted":
                        db.Heads[community.Id] = cached with { Seq = reply.HeadSeq, ChainHash = reply.HeadChainHash };
                        return new WriteOutcome.Done(result.Value!);
                    case "replayed":
                        db.Heads[community.Id] = cached with { Seq = reply.HeadSeq, ChainHash = reply.HeadChainHash };
                        return new WriteOutcome.Replayed(new StoredResponse(reply.StatusCode!.Value, reply.ResponseBody!));
                    case "key_reused":
                        db.Heads[community.Id] = cached with { Seq = reply.HeadSeq, ChainHash = reply.HeadChainHash };
                        return new WriteOutcome.Failed(KeyReused);
                    case "moved": // the same plan, re-hashed against the head as it is
                        db.Heads[community.Id] = cached = cached with { Seq = reply.HeadSeq, ChainHash = reply.HeadChainHash };
                        read = scope.PaymentRead;
                        continue;
                    case "stale": // a payment's bills changed: read and plan again
                        db.Heads[community.Id] = cached = cached with { Seq = reply.HeadSeq, ChainHash = reply.HeadChainHash };
                        read = null;
                        continue;
                    default: // month_closed: the cached months are stale
                        db.Heads.TryRemove(community.Id, out _);
                        attempt = MovedRetries;
                        break;
                }
            }
        }
        catch
        {
            db.Heads.TryRemove(community.Id, out _);
            throw;
        }
        return await RunLockedAsync(community, userId, claim, work, address, ct);
    }

    private static readonly string PostEntrySql =
        $"SELECT outcome, head_seq, head_chain_hash, status_code, response_body FROM ledger_post_entry({PostingCombiner.Placeholders(29)})";

    private static readonly string PostPaymentSql =
        $"SELECT outcome, head_seq, head_chain_hash, status_code, response_body FROM ledger_post_payment({PostingCombiner.Placeholders(39)})";

    /// <summary><c>ledger_post_entry</c> for one entry, through the group commit.</summary>
    private Task<PostReply> CallAsync(PendingPosting p, IdempotencyClaim? claim, StoredResponse response, string prevHash) =>
        db.Combiner!.CallAsync(EntryCall(p, claim, response, prevHash));

    internal static PostingCall EntryCall(PendingPosting p, IdempotencyClaim? claim, StoredResponse response, string prevHash) =>
        new((long)p.Entry[0]!, PostEntrySql, EntryArguments(p, claim, response, prevHash));

    /// <summary><c>ledger_post_payment</c>: the entry's arguments, then the payment's.</summary>
    private Task<PostReply> CallAsync(PendingPosting p, PendingPayment payment, IdempotencyClaim claim, StoredResponse response, string prevHash)
    {
        var args = EntryArguments(p, claim, response, prevHash);
        args.AddRange([
            (payment.Id, NpgsqlDbType.Bigint), (payment.UnitId, NpgsqlDbType.Bigint), (payment.ExternalRef, NpgsqlDbType.Text),
            (payment.Channel, NpgsqlDbType.Text), (payment.Amount, NpgsqlDbType.Bigint), (payment.PaidOn, NpgsqlDbType.Text),
            (payment.OpenIds, BigintArray), (payment.OpenPaid, BigintArray), (payment.SettleIds, BigintArray), (payment.SettleAmounts, BigintArray),
        ]);
        return db.Combiner!.CallAsync(new PostingCall((long)p.Entry[0]!, PostPaymentSql, args));
    }

    private const NpgsqlDbType BigintArray = NpgsqlDbType.Array | NpgsqlDbType.Bigint;
    private const NpgsqlDbType TextArray = NpgsqlDbType.Array | NpgsqlDbType.Text;

    /// <summary>The 29 arguments of <c>ledger_post_entry</c>, in its order.</summary>
    private static List<(object? Value, NpgsqlDbType Type)> EntryArguments(PendingPosting p, IdempotencyClaim? claim, StoredResponse response, string prevHash)
    {
        // The entry row as Journal.PostAsync builds it: community, seq, date, month, memo, fund, kind,
        // reverses, personal, entry hash, chain hash, created at, created by, salt.
        var e = p.Entry;
        return
        [
            ((long)e[0]!, NpgsqlDbType.Bigint), ((long)e[1]! - 1, NpgsqlDbType.Bigint), (prevHash, NpgsqlDbType.Text),
            (claim?.Key, NpgsqlDbType.Text), (claim?.RequestHash, NpgsqlDbType.Text), (response.Status, NpgsqlDbType.Integer), (response.Body, NpgsqlDbType.Text),
            ((string)e[2]!, NpgsqlDbType.Text), ((string)e[4]!, NpgsqlDbType.Text), ((string)e[5]!, NpgsqlDbType.Text), ((string)e[6]!, NpgsqlDbType.Text),
            ((long?)e[7], NpgsqlDbType.Bigint), ((bool)e[8]!, NpgsqlDbType.Boolean), ((string)e[9]!, NpgsqlDbType.Text), ((string)e[10]!, NpgsqlDbType.Text),
            ((string)e[11]!, NpgsqlDbType.Text), ((long?)e[12], NpgsqlDbType.Bigint), ((string?)e[13], NpgsqlDbType.Text),
            (p.Lines.Select(l => (string)l[3]!).ToArray(), TextArray), (p.Lines.Select(l => (string)l[4]!).ToArray(), TextArray),
            (p.Lines.Select(l => (long)l[5]!).ToArray(), BigintArray), (p.Lines.Select(l => (long?)l[6]).ToArray(), BigintArray),
            (p.Accounts.Select(a => a.Account).ToArray(), TextArray), (p.Accounts.Select(a => a.D).ToArray(), BigintArray),
            (p.Accounts.Select(a => a.C).ToArray(), BigintArray),
            (p.Units.Select(u => u.Account).ToArray(), TextArray), (p.Units.Select(u => u.Unit).ToArray(), BigintArray),
            (p.Units.Select(u => u.D).ToArray(), BigintArray), (p.Units.Select(u => u.C).ToArray(), BigintArray),
        ];
    }

    /// <summary>The head, closed months and chart in one read without a lock: a starting point the function checks.</summary>
    private async Task<CachedHead> LoadAsync(DbConnection connection, long communityId)
    {
        await using var reads = await connection.QueryMultipleAsync(
            "SELECT head_seq, head_chain_hash FROM communities WHERE id = @Id;\n" +
            "SELECT month FROM closed_months WHERE community_id = @Id;\n" + Journal.ChartSql, new { Id = communityId, communityId });
        var head = await reads.ReadSingleAsync<HeadRow>();
        var closed = (await reads.ReadAsync<string>()).ToHashSet(StringComparer.Ordinal);
        var chart = Journal.ToChart(await reads.ReadAsync<Journal.AccountRow>());
        return db.Heads[communityId] = new CachedHead(head.HeadSeq, head.HeadChainHash, chart, closed);
    }

    private static readonly StoredResponse Nothing = new(200, "{}");

    /// <summary>A write with no response to keep (jobs, seeding): the work either succeeds or returns a failure, and then nothing is written.</summary>
    public Task<WriteOutcome> DoAsync(CommunityInfo community, long? userId, Func<WriteScope, Task<Failure?>> work, CancellationToken ct = default) =>
        RunAsync(community, userId, null, async scope => await work(scope) is { } failure ? failure : Nothing, ct);
}
