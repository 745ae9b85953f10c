using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

/// <summary>An account's movements and debit-positive balance up to the end of a month.</summary>
public sealed record AccountBalance(AccountDef Account, long Debit, long Credit)
{
    public long Balance => Debit - Credit;
}

public sealed record FundTotals(string Fund, long TotalDebit, long TotalCredit);

/// <summary>An account's debits and credits over some months (debit-positive net: <see cref="Net"/>).</summary>
public sealed class AccountMovement
{
    public string AccountCode { get; init; } = "";
    public long Debit { get; init; }
    public long Credit { get; init; }
    public long Net => Debit - Credit;
}

public sealed record TrialBalance(Month Month, long TotalDebit, long TotalCredit, IReadOnlyList<AccountBalance> Accounts, IReadOnlyList<FundTotals> Funds);

/// <summary>Reads the per-month balances kept beside the journal (never the whole journal).</summary>
public sealed class BalanceBook(LedgerDatabase db)
{
    private sealed class Row
    {
        public string AccountCode { get; init; } = "";
        public long Debit { get; init; }
        public long Credit { get; init; }
    }

    /// <summary>Every account of the chart with its balance at the end of <paramref name="month"/>.</summary>
    public async Task<IReadOnlyList<AccountBalance>> AtEndOfAsync(CommunityInfo community, Month month)
    {
        await using var connection = await db.OpenAsync();
        var chart = await Journal.LoadChartAsync(new ReadScope(connection, null, db.Dialect), community.Id);
        var rows = (await connection.QueryAsync<Row>("""
            SELECT account_code,
                   CAST(SUM(debit_fen) AS BIGINT) AS debit,
                   CAST(SUM(credit_fen) AS BIGINT) AS credit
            FROM account_balances
            WHERE community_id = @Id AND month <= @Month
            GROUP BY account_code
            """, new { community.Id, Month = month.ToString() })).ToDictionary(r => r.AccountCode);
        return chart.Values
            .Select(a => rows.TryGetValue(a.Code, out var r) ? new AccountBalance(a, r.Debit, r.Credit) : new AccountBalance(a, 0, 0))
            .OrderBy(b => b.Account.Code, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<TrialBalance> TrialBalanceAsync(CommunityInfo community, Month month)
    {
        var accounts = await AtEndOfAsync(community, month);
        var funds = accounts.GroupBy(a => a.Account.Fund)
            .Select(g => new FundTotals(g.Key,
                g.Where(a => a.Balance > 0).Sum(a => a.Balance),
                g.Where(a => a.Balance < 0).Sum(a => -a.Balance)))
            .OrderBy(f => f.Fund, StringComparer.Ordinal)
            .ToList();
        return new TrialBalance(month, funds.Sum(f => f.TotalDebit), funds.Sum(f => f.TotalCredit), accounts, funds);
    }

    /// <summary>Each account's movements in the months from <paramref name="from"/> (or the first) through <paramref name="through"/>.</summary>
    public static async Task<Dictionary<string, AccountMovement>> MovementsAsync(ReadScope read, long communityId, Month? from, Month through) =>
        (await read.QueryAsync<AccountMovement>($"""
            SELECT account_code, CAST(SUM(debit_fen) AS BIGINT) AS debit, CAST(SUM(credit_fen) AS BIGINT) AS credit
            FROM account_balances WHERE community_id = @communityId AND {(from is null ? "" : "month >= @From AND ")}month <= @Through GROUP BY account_code
            """, new { communityId, From = from?.ToString(), Through = through.ToString() })).ToDictionary(m => m.AccountCode);
}
