using System.Data.Common;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

/// <summary>A posted entry with its place in the chain.</summary>
public sealed record JournalEntry(Entry Entry, string Kind, string EntryHash, string ChainHash, long? ReversedBy, string CreatedAt);

public sealed record EntryFilter(Month? Month = null, string? Account = null, long? UnitId = null);

/// <summary>
/// The journal: posting (guarantees 1, 3, 5, 6, 7 inside the caller's write transaction) and reading.
/// Immutability (guarantee 2) is the database's: triggers refuse UPDATE and DELETE.
/// </summary>
public sealed class Journal(LedgerDatabase db)
{
    private sealed class LineRow
    {
        public long Seq { get; init; }
        public long LineNo { get; init; }
        public string AccountCode { get; init; } = "";
        public string Side { get; init; } = "";
        public long AmountFen { get; init; }
        public long? UnitId { get; init; }
    }

    private sealed class EntryRow
    {
        public long Seq { get; init; }
        public string EntryDate { get; init; } = "";
        public string Memo { get; init; } = "";
        public string Fund { get; init; } = "";
        public string Kind { get; init; } = "";
        public long? ReversesSeq { get; init; }
        public long? ReversedBy { get; init; }
        public string EntryHash { get; init; } = "";
        public string ChainHash { get; init; } = "";
        public string CreatedAt { get; init; } = "";
        public string? Salt { get; init; }
    }

    internal sealed class AccountRow
    {
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public string NameEn { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Fund { get; init; } = "";
        public string? ParentCode { get; init; }
        public bool NonNegative { get; init; }
        public bool PerUnit { get; init; }
    }

    /// <summary>Internal, never shown: a deferred posting that must take the transactional path.</summary>
    internal const string DeferredToTransaction = "deferred_to_transaction";

    internal const string ChartSql =
        "SELECT code, name, name_en, kind, fund, parent_code, non_negative, per_unit FROM accounts WHERE community_id = @communityId ORDER BY code";

    internal static IReadOnlyDictionary<string, AccountDef> ToChart(IEnumerable<AccountRow> rows) =>
        rows.ToDictionary(r => r.Code,
            r => new AccountDef(r.Code, r.Name, r.NameEn, r.Kind, r.Fund, r.ParentCode, r.NonNegative, r.PerUnit), StringComparer.Ordinal);

    public static async Task<IReadOnlyDictionary<string, AccountDef>> LoadChartAsync(ReadScope read, long communityId) =>
        ToChart(await read.QueryAsync<AccountRow>(ChartSql, new { communityId }));

    /// <summary>
    /// Posts the drafts in order, each with the next sequence number and chain hash.
    /// Fails, posting nothing, with: the codes of <see cref="EntryRules.Check"/>, month_not_open,
    /// month_closed, unknown_unit, insufficient_funds.
    /// </summary>
    public async Task<Result<IReadOnlyList<JournalEntry>>> PostAsync(WriteScope scope, IReadOnlyList<EntryDraft> drafts, bool checkUnits = true)
    {
        var community = scope.Community;
        scope.ClosedMonths ??= (await scope.QueryAsync<string>(
            "SELECT month FROM closed_months WHERE community_id = @Id", new { community.Id })).ToHashSet(StringComparer.Ordinal);
        var chart = await scope.ChartAsync();
        var today = scope.Today;

        var unitIds = new HashSet<long>();
        var cashDelta = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var draft in drafts)
        {
            if (EntryRules.Check(draft, chart) is { } failure) return failure;
            var month = Month.Of(draft.Date);
            if (month < community.BooksStartMonth)
                return new Failure(Codes.MonthNotOpen, $"The books of this community open at {community.BooksStartMonth}; {month} does not exist.");
            if (draft.Date > today)
                return new Failure(Codes.MonthNotOpen, $"{Dates.Format(draft.Date)} is in the future in the community's time zone (today is {Dates.Format(today)}).");
            if (scope.ClosedMonths.Contains(month.ToString()))
                return new Failure(Codes.MonthClosed, $"{month} is closed; post a correction in the current month naming what it corrects.");
            foreach (var line in draft.Lines)
            {
                if (line.UnitId is { } u) unitIds.Add(u);
                if (chart[line.Account].NonNegative)
                    cashDelta[line.Account] = cashDelta.GetValueOrDefault(line.Account) + (line.IsDebit ? line.Amount : -line.Amount);
            }
        }

        // Deferred (PostgreSQL, one call): the function writes what is computed here; anything needing a
        // read under the lock (units, cash balances, several entries) is left to the transactional path.
        if (scope.Deferred && (drafts.Count != 1 || (checkUnits && unitIds.Count > 0) || cashDelta.Values.Any(d => d < 0)))
            return new Failure(DeferredToTransaction, "This posting needs reads under the lock.");

        if (checkUnits && unitIds.Count > 0)
        {
            var known = (await scope.QueryAsync<long>(
                "SELECT id FROM units WHERE community_id = @Id AND " + scope.Dialect.InList("id", "@Ids"), new { community.Id, Ids = unitIds.ToArray() })).ToHashSet();
            if (unitIds.FirstOrDefault(u => !known.Contains(u)) is var missing and not 0)
                return new Failure(Codes.UnknownUnit, $"Unit {missing} does not exist in this community.");
        }

        // Guarantee 6: a cash account never goes negative.
        foreach (var (account, delta) in cashDelta)
        {
            if (delta >= 0) continue;
            var balance = await scope.QuerySingleAsync<long>("""
                SELECT CAST(COALESCE(SUM(debit_fen - credit_fen), 0) AS BIGINT) FROM account_balances
                WHERE community_id = @Id AND account_code = @account
                """, new { community.Id, account });
            if (balance + delta < 0)
                return new Failure(Codes.InsufficientFunds,
                    $"Account {account} holds {balance} fen; this would take it to {balance + delta}.");
        }

        var posted = new List<JournalEntry>(drafts.Count);
        var entryRows = new List<object?[]>(drafts.Count);
        var lineRows = new List<object?[]>(drafts.Count * 2);
        var accountDeltas = new Dictionary<(string Account, string Month), (long D, long C)>();
        var unitDeltas = new Dictionary<(string Account, long Unit, string Month), (long D, long C)>();
        var createdAt = Dates.Instant(scope.Now);
        foreach (var draft in drafts)
        {
            var seq = scope.HeadSeq + 1;
            // An owner-specific entry gets its own random salt (DESIGN.md section 6), stored with it.
            var salt = draft.Lines.Any(l => l.UnitId is not null) ? Entry.NewSalt() : null;
            var entry = new Entry(community.Slug, seq, draft.Date, draft.Memo, draft.Fund, draft.Lines, draft.Reverses, salt);
            var entryHash = entry.ComputeHash();
            var chainHash = HashChain.Next(scope.HeadChainHash, entryHash);
            var month = Month.Of(draft.Date).ToString();
            entryRows.Add([community.Id, seq, Dates.Format(draft.Date), month, draft.Memo, draft.Fund, draft.Kind,
                draft.Reverses, entry.IsPersonal, entryHash, chainHash, createdAt, scope.UserId, salt]);
            for (var i = 0; i < draft.Lines.Count; i++)
            {
                var line = draft.Lines[i];
                lineRows.Add([community.Id, seq, (long)(i + 1), line.Account, line.IsDebit ? "D" : "C", line.Amount, line.UnitId]);
                var (d, c) = line.IsDebit ? (line.Amount, 0L) : (0L, line.Amount);
                var key = (line.Account, month);
                var prev = accountDeltas.GetValueOrDefault(key);
                accountDeltas[key] = (prev.D + d, prev.C + c);
                if (line.UnitId is { } unit)
                {
                    var ukey = (line.Account, unit, month);
                    var uprev = unitDeltas.GetValueOrDefault(ukey);
                    unitDeltas[ukey] = (uprev.D + d, uprev.C + c);
                }
            }
            scope.HeadSeq = seq;
            scope.HeadChainHash = chainHash;
            posted.Add(new JournalEntry(entry, draft.Kind, entryHash, chainHash, null, createdAt));
        }

        if (scope.Deferred)
        {
            if (scope.Pending is not null) throw new InvalidOperationException("A one-call write posts one entry.");
            var e = entryRows[0];
            scope.Pending = new PendingPosting(e, lineRows,
                accountDeltas.Select(kv => (kv.Key.Account, kv.Value.D, kv.Value.C)).ToList(),
                unitDeltas.Select(kv => (kv.Key.Account, kv.Key.Unit, kv.Value.D, kv.Value.C)).ToList());
            return posted;
        }

        // One round trip on PostgreSQL for a posting (COPY first for the entries and lines of a large run);
        // the balanced-entry trigger of migration 0010 checks every entry at commit either way.
        var batch = new StatementBatch(scope);
        await batch.InsertAsync(
            "INSERT INTO entries (community_id, seq, entry_date, month, memo, fund, kind, reverses_seq, personal, entry_hash, chain_hash, created_at, created_by, salt)",
            entryRows, "", 13);
        await batch.InsertAsync("INSERT INTO entry_lines (community_id, seq, line_no, account_code, side, amount_fen, unit_id)", lineRows);
        // The balance deltas are summed per key above, so no statement touches one row twice.
        await batch.InsertAsync("INSERT INTO account_balances (community_id, account_code, month, debit_fen, credit_fen)",
            accountDeltas.Select(kv => new object?[] { community.Id, kv.Key.Account, kv.Key.Month, kv.Value.D, kv.Value.C }).ToList(), """
            ON CONFLICT (community_id, account_code, month) DO UPDATE
            SET debit_fen = account_balances.debit_fen + excluded.debit_fen,
                credit_fen = account_balances.credit_fen + excluded.credit_fen
            """);
        await batch.InsertAsync("INSERT INTO unit_balances (community_id, account_code, unit_id, month, debit_fen, credit_fen)",
            unitDeltas.Select(kv => new object?[] { community.Id, kv.Key.Account, kv.Key.Unit, kv.Key.Month, kv.Value.D, kv.Value.C }).ToList(), """
            ON CONFLICT (community_id, account_code, unit_id, month) DO UPDATE
            SET debit_fen = unit_balances.debit_fen + excluded.debit_fen,
                credit_fen = unit_balances.credit_fen + excluded.credit_fen
            """);
        await batch.AddAsync(
            "UPDATE communities SET head_seq = @HeadSeq, head_chain_hash = @HeadChainHash WHERE id = @CommunityId",
            new { scope.HeadSeq, scope.HeadChainHash, CommunityId = community.Id });
        await batch.FlushAsync();
        return posted;
    }

    /// <summary>Reverses an entry once, dated today. Fails with: not_found, already_reversed (409), and the posting codes.</summary>
    public async Task<Result<JournalEntry>> ReverseAsync(WriteScope scope, long seq, string reason)
    {
        var original = await GetAsync(scope, scope.Community, seq);
        if (original is null) return Failure.NotFound($"Entry {seq}");
        // Entries that carry a flow's state (bills, payments and their settlements) are corrected
        // through that flow, so the sub-ledger and the bills never disagree.
        if (original.Kind is not (EntryKinds.Manual or EntryKinds.Reversal or EntryKinds.Receipt))
            return new Failure(Codes.EntryNotReversible, $"Entry {seq} is a {original.Kind} entry; correct it through its own flow.");
        if (original.ReversedBy is { } by)
            return Failure.Conflict(Codes.AlreadyReversed, $"Entry {seq} was already reversed by entry {by}.");
        var result = await PostAsync(scope, [EntryRules.Reversal(original.Entry, scope.Today, reason)], checkUnits: false);
        return result.Ok ? result.Value![0] : result.Failure!;
    }

    /// <summary>One entry, read on a connection of its own.</summary>
    public Task<JournalEntry?> GetAsync(CommunityInfo community, long seq) => db.ReadAsync(read => GetAsync(read, community, seq));

    /// <summary>Up to <paramref name="take"/> entries after <paramref name="afterSeq"/>, in order.</summary>
    public Task<IReadOnlyList<JournalEntry>> AfterAsync(CommunityInfo community, long afterSeq, int take) =>
        db.ReadAsync(read => ReadAsync(read, community, "e.seq > @afterSeq", new { community.Id, afterSeq }, take));

    /// <summary>The community's chart of accounts, read on a connection of its own.</summary>
    public Task<IReadOnlyDictionary<string, AccountDef>> ChartAsync(long communityId) => db.ReadAsync(read => LoadChartAsync(read, communityId));

    public async Task<JournalEntry?> GetAsync(ReadScope read, CommunityInfo community, long seq) =>
        (await ReadAsync(read, community, "e.seq = @seq", new { community.Id, seq }, 1)).FirstOrDefault();

    /// <summary>Entries in sequence order after <paramref name="afterSeq"/>, filtered, at most <paramref name="limit"/>.</summary>
    public Task<IReadOnlyList<JournalEntry>> ListAsync(CommunityInfo community, EntryFilter filter, long afterSeq, int limit)
    {
        var where = new List<string> { "e.seq > @afterSeq" };
        if (filter.Month is not null) where.Add("e.month = @Month");
        if (filter.Account is not null) where.Add("EXISTS (SELECT 1 FROM entry_lines f WHERE f.community_id = e.community_id AND f.seq = e.seq AND f.account_code = @Account)");
        if (filter.UnitId is not null) where.Add("EXISTS (SELECT 1 FROM entry_lines f WHERE f.community_id = e.community_id AND f.seq = e.seq AND f.unit_id = @UnitId)");
        return db.ReadAsync(read => ReadAsync(read, community, string.Join(" AND ", where),
            new { community.Id, afterSeq, Month = filter.Month?.ToString(), filter.Account, filter.UnitId }, limit));
    }

    /// <summary>Reads entries with their lines: one query for the entries, one for their lines.</summary>
    public async Task<IReadOnlyList<JournalEntry>> ReadAsync(ReadScope read, CommunityInfo community, string where, object param, int limit)
    {
        var rows = (await read.QueryAsync<EntryRow>($"""
            SELECT e.seq, e.entry_date, e.memo, e.fund, e.kind, e.reverses_seq, e.entry_hash, e.chain_hash, e.created_at, e.salt,
                   (SELECT r.seq FROM entries r WHERE r.community_id = e.community_id AND r.reverses_seq = e.seq) AS reversed_by
            FROM entries e
            WHERE e.community_id = @Id AND {where}
            ORDER BY e.seq
            LIMIT {limit}
            """, param)).ToList();
        if (rows.Count == 0) return [];
        var lines = (await read.QueryAsync<LineRow>("""
            SELECT seq, line_no, account_code, side, amount_fen, unit_id FROM entry_lines
            WHERE community_id = @Id AND seq BETWEEN @From AND @To
            ORDER BY seq, line_no
            """, new { community.Id, From = rows[0].Seq, To = rows[^1].Seq }))
            .ToLookup(l => l.Seq);
        return rows.Select(r => new JournalEntry(
            new Entry(community.Slug, r.Seq, DateOnly.ParseExact(r.EntryDate, "yyyy-MM-dd"), r.Memo, r.Fund,
                lines[r.Seq].Select(ToLine).ToList(), r.ReversesSeq, r.Salt),
            r.Kind, r.EntryHash, r.ChainHash, r.ReversedBy, r.CreatedAt)).ToList();
    }

    private static EntryLine ToLine(LineRow l) =>
        l.Side == "D" ? new EntryLine(l.AccountCode, l.AmountFen, null, l.UnitId) : new EntryLine(l.AccountCode, null, l.AmountFen, l.UnitId);
}

/// <summary>One entry computed (validated, hashed, chained) for <c>ledger_post_entry</c>: the entry row as
/// <see cref="Journal.PostAsync"/> would insert it, its line rows and the balance deltas summed per key.</summary>
internal sealed record PendingPosting(object?[] Entry, IReadOnlyList<object?[]> Lines,
    IReadOnlyList<(string Account, long D, long C)> Accounts, IReadOnlyList<(string Account, long Unit, long D, long C)> Units);
