using System.Data.Common;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record NewCommunity(string Slug, string Name, string TimeZone, int FiscalYearStartMonth, Month BooksStartMonth);

/// <summary>Communities, their funds and charts of accounts, and month closing.</summary>
public sealed class CommunityBook(LedgerDatabase db, TimeProvider clock)
{
    /// <summary>A community row with one of a user's roles in it (null for none): <see cref="RowWithRoleColumns"/> read
    /// from <c>communities c LEFT JOIN memberships m</c>; <see cref="WithRoles"/> folds them.</summary>
    internal class RowWithRole : Row
    {
        public string? Role { get; init; }
    }

    internal const string RowWithRoleColumns = "c.id, c.slug, c.name, c.time_zone, c.fiscal_year_start_month, c.books_start_month, m.role";

    /// <summary>The community of <paramref name="rows"/> (null when there is none) and the roles in it, in order.</summary>
    internal static (CommunityInfo? Community, IReadOnlyList<string> Roles) WithRoles(IReadOnlyList<RowWithRole> rows) =>
        rows.Count == 0 || rows[0].Id == 0 ? (null, []) : (rows[0].ToInfo(), rows.Where(r => r.Role is not null).Select(r => r.Role!).ToList());

    internal class Row
    {
        public long Id { get; init; }
        public string Slug { get; init; } = "";
        public string Name { get; init; } = "";
        public string TimeZone { get; init; } = "";
        public long FiscalYearStartMonth { get; init; }
        public string BooksStartMonth { get; init; } = "";
        public CommunityInfo ToInfo() => new(Id, Slug, Name, TimeZone, (int)FiscalYearStartMonth, Month.Parse(BooksStartMonth));
    }

    private const string Columns = "id, slug, name, time_zone, fiscal_year_start_month, books_start_month";

    /// <summary>How many communities a periodic job works on at once (<see cref="LedgerDatabase.CommunitiesAtOnce"/>).</summary>
    public int CommunitiesAtOnce => db.CommunitiesAtOnce;

    public Task<CommunityInfo?> FindAsync(string slug) => db.ReadAsync(async read =>
        (await read.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM communities WHERE slug = @slug", new { slug }))?.ToInfo());

    /// <summary>The community and the user's roles in it, in one round trip (every community request asks both).</summary>
    public async Task<(CommunityInfo? Community, IReadOnlyList<string> Roles)> FindWithRolesAsync(string slug, long userId)
    {
        await using var connection = await db.OpenAsync();
        return WithRoles((await connection.QueryAsync<RowWithRole>($"""
            SELECT {RowWithRoleColumns}
            FROM communities c LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = @userId
            WHERE c.slug = @slug ORDER BY m.role
            """, new { slug, userId })).ToList());
    }

    public async Task<IReadOnlyList<CommunityInfo>> AllAsync()
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<Row>($"SELECT {Columns} FROM communities ORDER BY id")).Select(r => r.ToInfo()).ToList();
    }

    /// <summary>Creates the community with both funds and the default chart. Fails with: slug_taken (409).</summary>
    public async Task<Result<CommunityInfo>> CreateAsync(NewCommunity c)
    {
        await using var connection = await db.OpenAsync();
        await using var tx = await db.BeginWriteAsync(connection);
        try
        {
            var id = await connection.QuerySingleAsync<long>("""
                INSERT INTO communities (slug, name, time_zone, fiscal_year_start_month, books_start_month, head_seq, head_chain_hash, created_at)
                VALUES (@Slug, @Name, @TimeZone, @FiscalYearStartMonth, @Books, 0, @Genesis, @At)
                RETURNING id
                """, new { c.Slug, c.Name, c.TimeZone, c.FiscalYearStartMonth, Books = c.BooksStartMonth.ToString(), HashChain.Genesis, At = Dates.Instant(clock.GetUtcNow()) }, tx);
            await connection.ExecuteAsync("INSERT INTO funds (community_id, code, name) VALUES (@id, @Code, @Name)",
                Funds.All.Select(f => new { id, Code = f, Name = DefaultChart.FundName(f) }), tx);
            await InsertAccountsAsync(connection, tx, id, DefaultChart.Accounts);
            await tx.CommitAsync();
            return new CommunityInfo(id, c.Slug, c.Name, c.TimeZone, c.FiscalYearStartMonth, c.BooksStartMonth);
        }
        catch (Exception e) when (db.Dialect.IsUniqueViolation(e))
        {
            return Failure.Conflict(Codes.SlugTaken, $"The slug '{c.Slug}' is taken.");
        }
    }

    private static Task InsertAccountsAsync(DbConnection connection, DbTransaction tx, long communityId, IEnumerable<AccountDef> accounts) =>
        connection.ExecuteAsync("""
            INSERT INTO accounts (community_id, code, name, name_en, kind, fund, parent_code, non_negative, per_unit)
            VALUES (@communityId, @Code, @Name, @NameEn, @Kind, @Fund, @ParentCode, @NonNegative, @PerUnit)
            """, accounts.Select(a => new { communityId, a.Code, a.Name, a.NameEn, a.Kind, a.Fund, a.ParentCode, a.NonNegative, a.PerUnit }), tx);

    /// <summary>
    /// Adds a sub-account under <paramref name="parentCode"/>; it inherits the parent's kind, fund and
    /// flags, and its code extends the parent's. Fails with: unknown_account, account_exists (409).
    /// </summary>
    public async Task<Result<AccountDef>> AddAccountAsync(WriteScope scope, string code, string name, string parentCode)
    {
        var chart = await Journal.LoadChartAsync(scope, scope.Community.Id);
        if (!chart.TryGetValue(parentCode, out var parent))
            return new Failure(Codes.UnknownAccount, $"Parent account '{parentCode}' does not exist.");
        if (chart.ContainsKey(code))
            return Failure.Conflict(Codes.AccountExists, $"Account '{code}' already exists.");
        if (!code.StartsWith(parentCode, StringComparison.Ordinal) || code.Length <= parentCode.Length)
            return Failure.Invalid(Codes.ValidationFailed, $"A sub-account's code extends its parent's ('{parentCode}…').");
        var account = parent with { Code = code, Name = name, NameEn = name, ParentCode = parentCode };
        await InsertAccountsAsync(scope.Connection, scope.Transaction!, scope.Community.Id, [account]);
        scope.Chart = null;
        return account;
    }

    public sealed record ClosedMonth(string Month, string ClosedAt, long Seq, string ChainHash);

    /// <summary>The month after the last closed one (months close in order), or the books' first month.</summary>
    public async Task<Month> FirstOpenMonthAsync(CommunityInfo community)
    {
        await using var connection = await db.OpenAsync();
        var last = await connection.QuerySingleOrDefaultAsync<string>("SELECT MAX(month) FROM closed_months WHERE community_id = @Id", new { community.Id });
        return last is null ? community.BooksStartMonth : Month.Parse(last).Next;
    }

    /// <summary>Whether the community has closed <paramref name="month"/>.</summary>
    public static async Task<bool> IsClosedAsync(ReadScope read, long communityId, Month month) =>
        await read.QuerySingleAsync<long>("SELECT COUNT(*) FROM closed_months WHERE community_id = @communityId AND month = @M",
            new { communityId, M = month.ToString() }) > 0;

    /// <summary>
    /// Closes a past month: afterwards it accepts no entry (guarantee 5). Idempotent: closing a
    /// closed month returns it as it was. Fails with: month_not_open (before the books or not yet
    /// past), earlier_month_open (months close in order, so each statement can name its predecessor).
    /// </summary>
    public async Task<Result<ClosedMonth>> CloseMonthAsync(WriteScope scope, Month month)
    {
        var existing = await scope.QuerySingleOrDefaultAsync<ClosedMonthRow>(
            "SELECT month, closed_at, seq, chain_hash FROM closed_months WHERE community_id = @Id AND month = @M",
            new { scope.Community.Id, M = month.ToString() });
        if (existing is not null) return existing.ToClosed();
        if (month < scope.Community.BooksStartMonth)
            return new Failure(Codes.MonthNotOpen, $"The books open at {scope.Community.BooksStartMonth}; {month} does not exist.");
        if (month >= Month.Of(scope.Today))
            return new Failure(Codes.MonthNotOpen, $"{month} has not ended yet in the community's time zone.");
        if (month > scope.Community.BooksStartMonth)
        {
            if (!await IsClosedAsync(scope, scope.Community.Id, month.Previous))
                return Failure.Conflict(Codes.EarlierMonthOpen, $"Close {month.Previous} first: months close in order.");
        }
        // The chain position the month's statement publishes: the last entry dated in or before this
        // month. Once the month is closed no later entry can be dated in it, so every entry of the
        // month lies at or before this sequence number.
        var last = await scope.QuerySingleOrDefaultAsync<ClosedMonthRow>(
            "SELECT seq, chain_hash FROM entries WHERE community_id = @Id AND month <= @M ORDER BY seq DESC LIMIT 1",
            new { scope.Community.Id, M = month.ToString() });
        var row = new ClosedMonthRow
        {
            Month = month.ToString(), ClosedAt = Dates.Instant(scope.Now),
            Seq = last?.Seq ?? 0, ChainHash = last?.ChainHash ?? HashChain.Genesis,
        };
        await scope.ExecuteAsync("""
            INSERT INTO closed_months (community_id, month, closed_at, closed_by, seq, chain_hash)
            VALUES (@Id, @Month, @ClosedAt, @UserId, @Seq, @ChainHash)
            """, new { scope.Community.Id, row.Month, row.ClosedAt, scope.UserId, row.Seq, row.ChainHash });
        scope.ClosedMonths = null;
        return row.ToClosed();
    }

    private sealed class ClosedMonthRow
    {
        public string Month { get; init; } = "";
        public string ClosedAt { get; init; } = "";
        public long Seq { get; init; }
        public string ChainHash { get; init; } = "";
        public ClosedMonth ToClosed() => new(Month, ClosedAt, Seq, ChainHash);
    }
}
