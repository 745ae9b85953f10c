using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record IntegrityProblem(string Code, string Detail);

public sealed record IntegrityReport(bool Ok, long Seq, string ChainHash, IReadOnlyList<IntegrityProblem> Problems);

/// <summary>
/// Re-checks guarantees 1, 3 and 7 from the stored rows alone: every entry's hash is recomputed
/// from its canonical form, the chain is re-walked from 32 zero bytes, the sequence must be
/// gapless up to the community's head, each entry balances, and the per-month balances kept
/// beside the journal must equal the sums of the journal, with each fund's trial balance zero.
/// Streams the journal in pages, so memory is bounded by accounts x months, not entries.
/// </summary>
public sealed class Integrity(LedgerDatabase db, Journal journal)
{
    private const int PageSize = 2000;
    private const int MaxProblems = 100;

    private sealed class BalanceRow
    {
        public string AccountCode { get; init; } = "";
        public long UnitId { get; init; }
        public string Month { get; init; } = "";
        public long DebitFen { get; init; }
        public long CreditFen { get; init; }
    }

    public async Task<IntegrityReport> CheckAsync(CommunityInfo community, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        var problems = new List<IntegrityProblem>();
        void Problem(string code, string detail) { if (problems.Count < MaxProblems) problems.Add(new(code, detail)); }

        var head = await connection.QuerySingleAsync<(long Seq, string Chain)>(
            "SELECT head_seq, head_chain_hash FROM communities WHERE id = @Id", new { community.Id });
        var read = new ReadScope(connection, null, db.Dialect);
        var chart = await Journal.LoadChartAsync(read, community.Id);

        var chain = HashChain.Genesis;
        long expected = 1;
        var accountSums = new Dictionary<(string, string), (long D, long C)>();
        var unitSums = new Dictionary<(string, long, string), (long D, long C)>();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var page = await journal.ReadAsync(read, community, "e.seq >= @From", new { community.Id, From = expected }, PageSize);
            if (page.Count == 0) break;
            foreach (var posted in page)
            {
                var entry = posted.Entry;
                if (entry.Seq != expected)
                {
                    Problem("sequence_gap", $"Expected entry {expected}, found {entry.Seq}.");
                    expected = entry.Seq;
                }
                var entryHash = entry.ComputeHash();
                if (entryHash != posted.EntryHash)
                    Problem("entry_hash_mismatch", $"Entry {entry.Seq}: stored hash {posted.EntryHash}, content hashes to {entryHash}.");
                chain = HashChain.Next(chain, entryHash);
                if (chain != posted.ChainHash)
                    Problem("chain_hash_mismatch", $"Entry {entry.Seq}: stored chain hash {posted.ChainHash}, recomputed {chain}.");
                var fundDebits = entry.Lines.Where(l => l.IsDebit).Sum(l => l.Amount);
                var fundCredits = entry.Lines.Where(l => !l.IsDebit).Sum(l => l.Amount);
                if (fundDebits != fundCredits || entry.Lines.Count < 2)
                    Problem("entry_unbalanced", $"Entry {entry.Seq}: debits {fundDebits}, credits {fundCredits}.");
                if (entry.Lines.Any(l => !chart.TryGetValue(l.Account, out var a) || a.Fund != entry.Fund))
                    Problem("fund_mismatch", $"Entry {entry.Seq} has a line outside its fund {entry.Fund}.");
                var month = Month.Of(entry.Date).ToString();
                foreach (var line in entry.Lines)
                {
                    var (d, c) = line.IsDebit ? (line.Amount, 0L) : (0L, line.Amount);
                    var prev = accountSums.GetValueOrDefault((line.Account, month));
                    accountSums[(line.Account, month)] = (prev.D + d, prev.C + c);
                    if (line.UnitId is { } u)
                    {
                        var uprev = unitSums.GetValueOrDefault((line.Account, u, month));
                        unitSums[(line.Account, u, month)] = (uprev.D + d, uprev.C + c);
                    }
                }
                expected++;
            }
        }
        var lastSeq = expected - 1;
        if (lastSeq != head.Seq)
            Problem("head_mismatch", $"The community's head is entry {head.Seq}; the journal ends at {lastSeq}.");
        else if (head.Chain != chain)
            Problem("head_mismatch", $"The community's head chain hash is {head.Chain}; the journal recomputes to {chain}.");

        var storedAccounts = (await connection.QueryAsync<BalanceRow>(
            "SELECT account_code, 0 AS unit_id, month, debit_fen, credit_fen FROM account_balances WHERE community_id = @Id",
            new { community.Id })).ToList();
        Compare("account", storedAccounts.ToDictionary(r => (r.AccountCode, r.Month), r => (r.DebitFen, r.CreditFen)), accountSums, Problem);
        var storedUnits = (await connection.QueryAsync<BalanceRow>(
            "SELECT account_code, unit_id, month, debit_fen, credit_fen FROM unit_balances WHERE community_id = @Id",
            new { community.Id })).ToDictionary(r => (r.AccountCode, r.UnitId, r.Month), r => (r.DebitFen, r.CreditFen));
        Compare("unit", storedUnits, unitSums, Problem);

        // The bills' open amounts per unit equal that unit's receivable (1122) in the journal.
        var openBills = (await connection.QueryAsync<(long UnitId, long Open)>(
            "SELECT unit_id, CAST(SUM(amount_fen - paid_fen) AS BIGINT) FROM bills WHERE community_id = @Id GROUP BY unit_id",
            new { community.Id })).ToDictionary(r => r.UnitId, r => r.Open);
        var receivable = unitSums.Where(kv => kv.Key.Item1 == AccountCodes.Receivable).GroupBy(kv => kv.Key.Item2)
            .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value.D - kv.Value.C));
        foreach (var unit in openBills.Keys.Union(receivable.Keys))
        {
            var (bills, ledger) = (openBills.GetValueOrDefault(unit), receivable.GetValueOrDefault(unit));
            if (bills != ledger)
                Problem("subledger_mismatch", $"Unit {unit}: open bills total {bills} fen, its receivable in the journal is {ledger}.");
        }

        // Each bill's paid amount is the sum of its settlements (arrears as of a past day rely on it).
        var unsettled = await connection.QueryAsync<(long Id, long Paid, long Settled)>("""
            SELECT b.id, b.paid_fen, COALESCE(s.settled, 0) FROM bills b
            LEFT JOIN (SELECT bill_id, CAST(SUM(amount_fen) AS BIGINT) AS settled FROM settlements WHERE community_id = @Id GROUP BY bill_id) s ON s.bill_id = b.id
            WHERE b.community_id = @Id AND b.paid_fen <> COALESCE(s.settled, 0)
            """, new { community.Id });
        foreach (var b in unsettled)
            Problem("settlement_mismatch", $"Bill {b.Id}: paid {b.Paid} fen, its settlements sum to {b.Settled}.");

        foreach (var fund in storedAccounts.GroupBy(r => chart.TryGetValue(r.AccountCode, out var a) ? a.Fund : "?"))
        {
            var net = fund.Sum(r => r.DebitFen - r.CreditFen);
            if (net != 0) Problem("trial_balance_nonzero", $"The {fund.Key} fund's trial balance sums to {net}, not zero.");
        }

        await CheckStatementsAsync(new ReadScope(connection, null, db.Dialect), community, Problem);
        return new IntegrityReport(problems.Count == 0, head.Seq, head.Chain, problems);
    }

    private sealed class StatementRow
    {
        public string Period { get; init; } = "";
        public long Version { get; init; }
        public string Body { get; init; } = "";
        public string Hash { get; init; } = "";
        public long Seq { get; init; }
        public string ChainHash { get; init; } = "";
    }

    /// <summary>
    /// Every published statement: its body still hashes to its hash, its chain hash is the journal's at
    /// its sequence number, and its cash, receipts, payments, result and remuneration rebuilt from the
    /// journal's balances today are the figures it published.
    /// </summary>
    private static async Task CheckStatementsAsync(ReadScope read, CommunityInfo community, Action<string, string> problem)
    {
        var connection = read.Connection;
        var published = await connection.QueryAsync<StatementRow>(
            "SELECT period, version, body, hash, seq, chain_hash FROM statements WHERE community_id = @Id AND status = 'published' ORDER BY period, version",
            new { community.Id });
        foreach (var s in published)
        {
            var name = $"Statement {s.Period} v{s.Version}";
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s.Body)));
            if (hash != s.Hash) { problem("statement_hash_mismatch", $"{name}: its body hashes to {hash}, it was published as {s.Hash}."); continue; }
            var chain = s.Seq == 0 ? HashChain.Genesis
                : await connection.QuerySingleOrDefaultAsync<string>("SELECT chain_hash FROM entries WHERE community_id = @Id AND seq = @Seq", new { community.Id, s.Seq });
            if (chain != s.ChainHash) problem("statement_chain_mismatch", $"{name}: published chain hash {s.ChainHash} at entry {s.Seq}, the journal has {chain}.");
            if (!Period.TryParse(s.Period, community.FiscalYearStartMonth, out var period)) continue;
            var doc = System.Text.Json.JsonSerializer.Deserialize<StatementDoc>(s.Body, StatementBook.Json)!;
            var rebuilt = await StatementBook.BuildAsync(read, community, period, doc.Version, doc.PreviousHash, doc.Correction);
            foreach (var (figure, was, now) in new (string, object, object)[]
            {
                ("bank", doc.Bank, rebuilt.Bank), ("receipts", doc.Receipts, rebuilt.Receipts), ("payments", doc.Payments, rebuilt.Payments),
                ("result", doc.Result, rebuilt.Result), ("remuneration", doc.Remuneration, rebuilt.Remuneration),
            })
            {
                var (a, b) = (System.Text.Json.JsonSerializer.Serialize(was, StatementBook.Json), System.Text.Json.JsonSerializer.Serialize(now, StatementBook.Json));
                if (a != b) problem("statement_figures_mismatch", $"{name}: published {figure} {a}, the journal now gives {b}.");
            }
        }
    }

    private static void Compare<TKey>(string what, Dictionary<TKey, (long D, long C)> stored, Dictionary<TKey, (long D, long C)> computed,
        Action<string, string> problem) where TKey : notnull
    {
        foreach (var (key, sums) in computed)
        {
            var kept = stored.GetValueOrDefault(key);
            if (kept != sums)
                problem("balance_mismatch", $"The {what} balance {key}: kept {kept.D}/{kept.C}, the journal sums to {sums.D}/{sums.C}.");
        }
        foreach (var (key, kept) in stored)
        {
            if (!computed.ContainsKey(key) && kept != (0, 0))
                problem("balance_mismatch", $"The {what} balance {key}: kept {kept.D}/{kept.C}, the journal has no lines for it.");
        }
    }
}
