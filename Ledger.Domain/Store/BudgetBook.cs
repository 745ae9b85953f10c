using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record BudgetLine(string Account, long Amount, string Note);

public sealed record BudgetDraft(int FiscalYear, IReadOnlyList<BudgetLine> Lines, IReadOnlyList<BudgetLine> Income);

public sealed record BudgetComment(long Id, string Author, string Text, string CreatedAt);

public sealed record BudgetView(long Id, int FiscalYear, int Version, string Status, long? AmendsId, string CreatedAt, string? PublishedAt,
    string? AdoptedAt, long? MotionId, IReadOnlyList<BudgetLine> Lines, IReadOnlyList<BudgetLine> Income, IReadOnlyList<BudgetComment> Comments);

public sealed record ExecutionLine(string Account, long Budget, long Reserved, long Spent, long Left);

public static class BudgetStatus
{
    public const string Draft = "draft";
    public const string Published = "published";
    public const string Adopted = "adopted";
    public const string Superseded = "superseded";
}

/// <summary>
/// Open budgets: a draft by expense line (and expected income), published for the owners' comments,
/// adopted by a passed vote. An amendment is a new version of the same fiscal year, adopted the same
/// way; exactly one version is in force per year (a partial unique index backs it).
/// </summary>
public sealed class BudgetBook(LedgerDatabase db)
{
    private sealed class Row
    {
        public long Id { get; init; }
        public long FiscalYear { get; init; }
        public long Version { get; init; }
        public string Status { get; init; } = "";
        public long? AmendsId { get; init; }
        public string CreatedAt { get; init; } = "";
        public string? PublishedAt { get; init; }
        public string? AdoptedAt { get; init; }
        public long? MotionId { get; init; }
    }

    private const string Columns = "id, fiscal_year, version, status, amends_id, created_at, published_at, adopted_at, motion_id";

    /// <summary>Fails with: unknown_account, account_kind_mismatch (lines must be common-fund expense accounts, income income accounts).</summary>
    private static async Task<Failure?> CheckLinesAsync(WriteScope scope, BudgetDraft draft)
    {
        var chart = await scope.ChartAsync();
        foreach (var (lines, kind) in new[] { (draft.Lines, AccountKinds.Expense), (draft.Income, AccountKinds.Income) })
            foreach (var line in lines)
            {
                if (!chart.TryGetValue(line.Account, out var account))
                    return new Failure(Codes.UnknownAccount, $"Account '{line.Account}' does not exist.");
                if (account.Kind != kind || account.Fund != Funds.Common)
                    return new Failure(Codes.AccountKindMismatch, $"Account {line.Account} is not a common-fund {kind} account.");
            }
        return null;
    }

    /// <summary>A new draft; when a version of the year is in force, this draft amends it.</summary>
    public async Task<Result<BudgetView>> CreateAsync(WriteScope scope, BudgetDraft draft)
    {
        if (await CheckLinesAsync(scope, draft) is { } failure) return failure;
        var c = scope.Community.Id;
        var version = await scope.QuerySingleAsync<long>("SELECT COALESCE(MAX(version), 0) + 1 FROM budgets WHERE community_id = @c AND fiscal_year = @FiscalYear",
            new { c, draft.FiscalYear });
        var amends = await scope.QuerySingleOrDefaultAsync<long?>("SELECT id FROM budgets WHERE community_id = @c AND fiscal_year = @FiscalYear AND status = 'adopted'",
            new { c, draft.FiscalYear });
        var id = await scope.QuerySingleAsync<long>("""
            INSERT INTO budgets (community_id, fiscal_year, version, status, amends_id, created_at) VALUES (@c, @FiscalYear, @version, 'draft', @amends, @At) RETURNING id
            """, new { c, draft.FiscalYear, version, amends, At = Dates.Instant(scope.Now) });
        await InsertLinesAsync(scope, id, draft);
        return (await GetAsync(scope, c, id))!;
    }

    private static async Task InsertLinesAsync(WriteScope scope, long budgetId, BudgetDraft draft) =>
        await scope.ExecuteAsync("""
            INSERT INTO budget_lines (community_id, budget_id, kind, account_code, amount_fen, note) VALUES (@Id, @budgetId, @Kind, @Account, @Amount, @Note)
            """, draft.Lines.Select(l => new { scope.Community.Id, budgetId, Kind = "expense", l.Account, l.Amount, l.Note })
                .Concat(draft.Income.Select(l => new { scope.Community.Id, budgetId, Kind = "income", l.Account, l.Amount, l.Note })));

    /// <summary>Replaces a draft's lines. Fails with: not_found, budget_not_draft (409), and the line codes.</summary>
    public async Task<Result<BudgetView>> UpdateAsync(WriteScope scope, long id, BudgetDraft draft)
    {
        var budget = await GetAsync(scope, scope.Community.Id, id);
        if (budget is null) return Failure.NotFound($"Budget {id}");
        if (budget.Status != BudgetStatus.Draft) return Failure.Conflict(Codes.BudgetNotDraft, $"Budget {id} is {budget.Status}; only drafts change.");
        if (draft.FiscalYear != budget.FiscalYear) return Failure.Invalid(Codes.ValidationFailed, "A draft keeps its fiscal year.");
        if (await CheckLinesAsync(scope, draft) is { } failure) return failure;
        await scope.ExecuteAsync("DELETE FROM budget_lines WHERE community_id = @Id AND budget_id = @Target", new { scope.Community.Id, Target = id });
        await InsertLinesAsync(scope, id, draft);
        return (await GetAsync(scope, scope.Community.Id, id))!;
    }

    /// <summary>Opens a draft for comment. Fails with: not_found, budget_not_draft (409).</summary>
    public async Task<Result<BudgetView>> PublishAsync(WriteScope scope, long id)
    {
        var changed = await scope.ExecuteAsync("UPDATE budgets SET status = 'published', published_at = @At WHERE community_id = @Id AND id = @Target AND status = 'draft'",
            new { At = Dates.Instant(scope.Now), scope.Community.Id, Target = id });
        var budget = await GetAsync(scope, scope.Community.Id, id);
        if (budget is null) return Failure.NotFound($"Budget {id}");
        return changed == 1 ? budget : Failure.Conflict(Codes.BudgetNotDraft, $"Budget {id} is {budget.Status}; only a draft is published.");
    }

    /// <summary>An owner's comment on a published budget. Fails with: not_found, budget_not_published (409).</summary>
    public async Task<Result<BudgetComment>> CommentAsync(WriteScope scope, long id, long userId, string author, string text)
    {
        var budget = await GetAsync(scope, scope.Community.Id, id);
        if (budget is null) return Failure.NotFound($"Budget {id}");
        if (budget.Status != BudgetStatus.Published) return Failure.Conflict(Codes.BudgetNotPublished, $"Budget {id} is {budget.Status}; comments are taken while it is published.");
        var at = Dates.Instant(scope.Now);
        var commentId = await scope.QuerySingleAsync<long>("""
            INSERT INTO budget_comments (community_id, budget_id, user_id, body, created_at) VALUES (@Id, @Target, @userId, @text, @at) RETURNING id
            """, new { scope.Community.Id, Target = id, userId, text, at });
        return new BudgetComment(commentId, author, text, at);
    }

    /// <summary>Puts a budget version in force for its year; the version it replaces is superseded. Called when its motion passes.</summary>
    public static async Task AdoptAsync(WriteScope scope, long id, long motionId)
    {
        var year = await scope.QuerySingleAsync<long>("SELECT fiscal_year FROM budgets WHERE community_id = @Id AND id = @Target", new { scope.Community.Id, Target = id });
        await scope.ExecuteAsync("UPDATE budgets SET status = 'superseded' WHERE community_id = @Id AND fiscal_year = @year AND status = 'adopted'",
            new { scope.Community.Id, year });
        await scope.ExecuteAsync("UPDATE budgets SET status = 'adopted', adopted_at = @At, motion_id = @motionId WHERE community_id = @Id AND id = @Target",
            new { At = Dates.Instant(scope.Now), motionId, scope.Community.Id, Target = id });
    }

    public Task<BudgetView?> GetAsync(long communityId, long id) => db.ReadAsync(read => GetAsync(read, communityId, id));

    public static async Task<BudgetView?> GetAsync(ReadScope read, long communityId, long id)
    {
        var row = await read.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM budgets WHERE community_id = @communityId AND id = @id", new { communityId, id });
        if (row is null) return null;
        var lines = (await read.QueryAsync<(string Kind, string Account, long Amount, string Note)>(
            "SELECT kind, account_code, amount_fen, note FROM budget_lines WHERE community_id = @communityId AND budget_id = @id ORDER BY account_code",
            new { communityId, id })).ToList();
        var comments = (await read.QueryAsync<(long Id, long UserId, string Body, string CreatedAt)>(
            "SELECT id, user_id, body, created_at FROM budget_comments WHERE community_id = @communityId AND budget_id = @id ORDER BY id",
            new { communityId, id })).ToList();
        var authors = new Dictionary<long, string>();
        foreach (var userId in comments.Select(c => c.UserId).Distinct())
            authors[userId] = await AuthorLabelAsync(read, communityId, userId);
        return new BudgetView(row.Id, (int)row.FiscalYear, (int)row.Version, row.Status, row.AmendsId, row.CreatedAt, row.PublishedAt, row.AdoptedAt, row.MotionId,
            lines.Where(l => l.Kind == "expense").Select(l => new BudgetLine(l.Account, l.Amount, l.Note)).ToList(),
            lines.Where(l => l.Kind == "income").Select(l => new BudgetLine(l.Account, l.Amount, l.Note)).ToList(),
            comments.Select(c => new BudgetComment(c.Id, authors[c.UserId], c.Body, c.CreatedAt)).ToList());
    }

    /// <summary>Who said it, without a person's name: the units they hold ("1栋-101"), or "业主".</summary>
    public static async Task<string> AuthorLabelAsync(ReadScope read, long communityId, long userId)
    {
        var units = (await read.QueryAsync<(string Building, string Number)>("""
            SELECT u.building, u.number FROM owner_users ou
            JOIN unit_owners uo ON uo.community_id = ou.community_id AND uo.owner_id = ou.owner_id
            JOIN units u ON u.community_id = uo.community_id AND u.id = uo.unit_id
            WHERE ou.community_id = @communityId AND ou.user_id = @userId ORDER BY u.building, u.number LIMIT 3
            """, new { communityId, userId })).Select(u => $"{u.Building}-{u.Number}").ToList();
        return units.Count > 0 ? string.Join("、", units) : "业主";
    }

    public Task<IReadOnlyList<BudgetView>> ListAsync(long communityId) => db.ReadAsync<IReadOnlyList<BudgetView>>(async read =>
    {
        var ids = await read.QueryAsync<long>("SELECT id FROM budgets WHERE community_id = @communityId ORDER BY fiscal_year, version", new { communityId });
        var list = new List<BudgetView>();
        foreach (var id in ids) list.Add((await GetAsync(read, communityId, id))!);
        return list;
    });

    public static Task<long?> InForceIdAsync(WriteScope scope, int fiscalYear) =>
        scope.QuerySingleOrDefaultAsync<long?>("SELECT id FROM budgets WHERE community_id = @Id AND fiscal_year = @fiscalYear AND status = 'adopted'",
            new { scope.Community.Id, fiscalYear });

    /// <summary>
    /// Per expense line: the budget, what open spending requests reserve, what was spent in the fiscal
    /// year (the line's account and its sub-accounts, from the per-month balances), and what is left.
    /// A pending request past its expiry reserves nothing, whether or not the job has marked it expired.
    /// </summary>
    public Task<IReadOnlyList<ExecutionLine>> ExecutionAsync(CommunityInfo community, BudgetView budget, DateTimeOffset now) =>
        db.ReadAsync(read => ExecutionAsync(read, community, budget, now));

    public static async Task<IReadOnlyList<ExecutionLine>> ExecutionAsync(ReadScope read, CommunityInfo community, BudgetView budget, DateTimeOffset now)
    {
        var year = Period.FiscalYear(budget.FiscalYear, community.FiscalYearStartMonth);
        var spent = await BalanceBook.MovementsAsync(read, community.Id, year.From, year.To);
        var reserved = await SpendingBook.ReservedAsync(read, community.Id, budget.FiscalYear, now);
        return budget.Lines.Select(line =>
        {
            var s = spent.Values.Where(x => x.AccountCode.StartsWith(line.Account, StringComparison.Ordinal)).Sum(x => x.Net);
            var r = reserved.GetValueOrDefault(line.Account);
            return new ExecutionLine(line.Account, line.Amount, r, s, line.Amount - r - s);
        }).ToList();
    }

    // ------------------------------------------------------------------ figures for a period, as the statement composes them

    /// <summary>
    /// The budget adopted for the fiscal year <paramref name="period"/> ends in, each line against what was spent (or
    /// earned) in the period and in the year to its end; null when no budget was adopted.
    /// </summary>
    public static async Task<BudgetFigures?> FiguresAsync(ReadScope read, CommunityInfo community, Period period,
        IReadOnlyDictionary<string, AccountMovement> during, Func<string, string> accountName)
    {
        var fiscalYear = Period.FiscalYearOf(period.To, community.FiscalYearStartMonth);
        var adopted = await read.QueryOptionalAsync<(long Id, long Version)>(
            "SELECT id, version FROM budgets WHERE community_id = @Id AND fiscal_year = @fiscalYear AND status = 'adopted'", new { community.Id, fiscalYear });
        if (adopted is not { } budget) return null;
        var yearFrom = Period.FiscalYear(fiscalYear, community.FiscalYearStartMonth).From;
        var ytd = await BalanceBook.MovementsAsync(read, community.Id, yearFrom, period.To);
        var lines = (await read.QueryAsync<(string Kind, string Account, long Amount)>(
            "SELECT kind, account_code, amount_fen FROM budget_lines WHERE community_id = @Id AND budget_id = @BudgetId ORDER BY account_code",
            new { community.Id, BudgetId = budget.Id })).ToList();
        static long Under(IReadOnlyDictionary<string, AccountMovement> m, string line) =>
            m.Values.Where(x => x.AccountCode.StartsWith(line, StringComparison.Ordinal)).Sum(x => x.Net);
        BudgetLineFigure Figure((string Kind, string Account, long Amount) l, int sign)
        {
            var y = sign * Under(ytd, l.Account);
            return new BudgetLineFigure(l.Account, accountName(l.Account), l.Amount, sign * Under(during, l.Account), y, l.Amount - y);
        }
        return new BudgetFigures(fiscalYear, budget.Id, (int)budget.Version,
            lines.Where(l => l.Kind == "expense").Select(l => Figure(l, 1)).ToList(),
            lines.Where(l => l.Kind == "income").Select(l => Figure(l, -1)).ToList());
    }
}
