using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record StatementRecord(string Period, int Version, string Kind, string Status, string Body, string Hash, string? PreviousHash,
    long Seq, string ChainHash, string BuiltAt, string SignOffUntil, string? PublishedAt, string? CorrectionReason)
{
    /// <summary>The statement as published: its canonical body with the <c>hash</c> field added.</summary>
    public JsonObject ToJson()
    {
        var node = JsonNode.Parse(Body)!.AsObject();
        node["hash"] = Hash;
        return node;
    }

    public StatementDoc Doc => JsonSerializer.Deserialize<StatementDoc>(Body, StatementBook.Json)!;
}

/// <summary>
/// Month close and statements (DESIGN.md section 6). A statement is built from the per-month balances
/// and the period's own rows, so it costs O(accounts + that period's rows), never O(history); it is
/// frozen as RFC 8785 JSON with its SHA-256, the chain position at period end and the previous
/// statement's hash. Drafts take the supervisor's remarks during sign-off; then they are published
/// and never change (a trigger refuses it). A correction is a new version that says why.
/// </summary>
public sealed class StatementBook(LedgerDatabase db, CommunityBook communities, SpendingBook spending)
{
    public static readonly JsonSerializerOptions Json = FrozenStatement.Json;

    private sealed class Row
    {
        public string Period { get; init; } = "";
        public long Version { get; init; }
        public string Kind { get; init; } = "";
        public string Status { get; init; } = "";
        public string Body { get; init; } = "";
        public string Hash { get; init; } = "";
        public string? PreviousHash { get; init; }
        public long Seq { get; init; }
        public string ChainHash { get; init; } = "";
        public string BuiltAt { get; init; } = "";
        public string SignOffUntil { get; init; } = "";
        public string? PublishedAt { get; init; }
        public string? CorrectionReason { get; init; }
        public StatementRecord ToRecord() => new(Period, (int)Version, Kind, Status, Body, Hash, PreviousHash, Seq, ChainHash, BuiltAt, SignOffUntil, PublishedAt, CorrectionReason);
    }

    private const string Columns = "period, version, kind, status, body, hash, previous_hash, seq, chain_hash, built_at, sign_off_until, published_at, correction_reason";

    /// <summary>Canonical body (without <c>hash</c>) and its SHA-256.</summary>
    public static (string Body, string Hash) Freeze(StatementDoc doc) => FrozenStatement.Freeze(doc);

    /// <summary>Recomputes a published statement's hash from its JSON: everything but <c>hash</c>, canonicalised.</summary>
    public static string HashOfPublished(JsonObject published) => FrozenStatement.HashOfPublished(published);

    /// <summary>
    /// Closes <paramref name="month"/> (guarantee 5), first accruing its remuneration if that was not done yet
    /// (<see cref="SpendingBook.AccrueRemunerationAsync"/>), and builds its draft statement, and those of the
    /// quarter and fiscal year it ends. Idempotent. Fails with the codes of <see cref="Communities.CloseMonthAsync"/>,
    /// and the posting codes of the accrual.
    /// </summary>
    public async Task<Result<CommunityBook.ClosedMonth>> CloseAndBuildAsync(WriteScope scope, Month month)
    {
        // The month's remuneration is its expense (DESIGN.md 5), dated its last day: accrued here, in the close's own
        // transaction, when the accrual job has not run yet, or a month closed early would lose it for good. The same
        // accrual as the job's, so whichever comes second finds it done. Without trust terms there is none; a month
        // not yet ended is refused by the close itself; any other failure, or the close's, rolls the accrual back.
        if (!await CommunityBook.IsClosedAsync(scope, scope.Community.Id, month))
        {
            var accrued = await spending.AccrueRemunerationAsync(scope, month);
            if (accrued.Failure is { Code: not (Codes.TrustTermsRequired or Codes.MonthNotOpen) } failure) return failure;
        }
        var closed = await communities.CloseMonthAsync(scope, month);
        if (!closed.Ok) return closed;
        await DraftAsync(scope, Period.OfMonth(month));
        foreach (var period in Period.EndingWith(month, scope.Community.FiscalYearStartMonth))
            await DraftAsync(scope, period);
        return closed;
    }

    private static async Task<StatementRecord?> LatestAsync(ReadScope read, long communityId, string period, bool publishedOnly = false) =>
        (await read.QuerySingleOrDefaultAsync<Row>($"""
            SELECT {Columns} FROM statements WHERE community_id = @communityId AND period = @period {(publishedOnly ? "AND status = 'published'" : "")}
            ORDER BY version DESC LIMIT 1
            """, new { communityId, period }))?.ToRecord();

    /// <summary>Builds (or rebuilds, while it is a draft) the latest version's draft. A published statement is left alone.</summary>
    public async Task<StatementRecord> DraftAsync(WriteScope scope, Period period, string? correctionReason = null)
    {
        var c = scope.Community;
        var latest = await LatestAsync(scope, c.Id, period.Text);
        if (latest is { Status: "published" } && correctionReason is null) return latest;
        var version = latest is null ? 1 : latest.Status == "published" ? latest.Version + 1 : latest.Version;
        var correction = correctionReason is not null && latest is { Status: "published" } ? new CorrectionFigure(correctionReason, latest.Hash)
            : latest?.CorrectionReason is { } kept ? new CorrectionFigure(kept, (await PublishedHashAsync(scope, period.Text, version - 1))!) : null;
        var doc = await BuildAsync(scope, c, period, version, await PreviousPublishedHashAsync(scope, period), correction);
        var (body, hash) = Freeze(doc);
        var signOffDays = (await RegisterBook.TrustTermsAsync(scope, c.Id))?.Terms.Disclosure.SignOffDays ?? 3;
        var at = Dates.Instant(scope.Now);
        if (latest is null || latest.Version != version)
            await scope.ExecuteAsync($"""
                INSERT INTO statements ({Columns.Replace("published_at, ", "")}, community_id)
                VALUES (@Period, @version, @Kind, 'draft', @body, @hash, @PreviousHash, @Seq, @ChainHash, @at, @SignOff, @Reason, @Id)
                """, new { Period = period.Text, version, period.Kind, body, hash, doc.PreviousHash, doc.Seq, doc.ChainHash, at,
                    SignOff = Dates.Instant(scope.Now.AddDays(signOffDays)), Reason = correction?.Reason, c.Id });
        else
            await scope.ExecuteAsync("""
                UPDATE statements SET body = @body, hash = @hash, previous_hash = @PreviousHash, seq = @Seq, chain_hash = @ChainHash, built_at = @at
                WHERE community_id = @Id AND period = @Period AND version = @version AND status = 'draft'
                """, new { body, hash, doc.PreviousHash, doc.Seq, doc.ChainHash, at, c.Id, Period = period.Text, version });
        return (await LatestAsync(scope, c.Id, period.Text))!;
    }

    private async Task<string?> PublishedHashAsync(WriteScope scope, string period, int version) =>
        await scope.QuerySingleOrDefaultAsync<string>("SELECT hash FROM statements WHERE community_id = @Id AND period = @period AND version = @version",
            new { scope.Community.Id, period, version });

    /// <summary>The published hash of the period before (the month, quarter or year before), or null for the first.</summary>
    private async Task<string?> PreviousPublishedHashAsync(WriteScope scope, Period period)
    {
        var previous = period.Previous;
        return previous is null ? null : (await LatestAsync(scope, scope.Community.Id, previous.Text, publishedOnly: true))?.Hash;
    }

    /// <summary>
    /// Adds the supervisor's remark to a draft. Fails with: not_found, statement_published (409), trustee_cannot_approve
    /// (403: the remarker holds a trustee role here; the remarks are the supervisor's word on the trustee's statement).
    /// </summary>
    public async Task<Result<StatementRecord>> RemarkAsync(WriteScope scope, Period period, string text, IReadOnlyList<string> roles)
    {
        if (roles.Contains(Roles.Trustee) || roles.Contains(Roles.TrusteeManager))
            return new Failure(Codes.TrusteeCannotApprove, "Whoever holds a trustee role in this community does not remark on its statements as the supervisor.", 403);
        var latest = await LatestAsync(scope, scope.Community.Id, period.Text);
        if (latest is null) return Failure.NotFound($"Statement {period.Text}");
        if (latest.Status == "published") return Failure.Conflict(Codes.StatementPublished, $"Statement {period.Text} is published; remarks are taken during sign-off.");
        await scope.ExecuteAsync("INSERT INTO statement_remarks (community_id, period, user_id, body, created_at) VALUES (@Id, @Period, @UserId, @text, @At)",
            new { scope.Community.Id, Period = period.Text, scope.UserId, text, At = Dates.Instant(scope.Now) });
        await scope.AuditAsync("statement.remark", $"statement:{period.Text}", text);
        return await DraftAsync(scope, period);
    }

    /// <summary>
    /// Publishes the draft as reviewed (with its remarks, naming the previous statement's hash), then
    /// it is frozen. Idempotent. Fails with: not_found, earlier_statement_unpublished (409).
    /// </summary>
    public async Task<Result<StatementRecord>> PublishAsync(WriteScope scope, Period period)
    {
        var latest = await LatestAsync(scope, scope.Community.Id, period.Text);
        if (latest is null) return Failure.NotFound($"Statement {period.Text}");
        if (latest.Status == "published") return latest;
        var previous = period.Previous;
        if (previous is not null)
        {
            var before = await LatestAsync(scope, scope.Community.Id, previous.Text);
            if (before is { Status: "draft" })
                return Failure.Conflict(Codes.EarlierStatementUnpublished, $"Publish {previous.Text} first: each statement names the one before.");
        }
        // What is published is the draft the supervisor reviewed (remarks rebuild it as they come);
        // it is rebuilt only when the statement before it was published since, to name its hash.
        var draft = latest.PreviousHash == await PreviousPublishedHashAsync(scope, period) ? latest : await DraftAsync(scope, period);
        await scope.ExecuteAsync("""
            UPDATE statements SET status = 'published', published_at = @At WHERE community_id = @Id AND period = @Period AND version = @Version AND status = 'draft'
            """, new { At = Dates.Instant(scope.Now), scope.Community.Id, Period = period.Text, draft.Version });
        await scope.AuditAsync("statement.publish", $"statement:{period.Text}", $"version {draft.Version}, hash {draft.Hash}");
        return (await LatestAsync(scope, scope.Community.Id, period.Text))!;
    }

    /// <summary>Starts a corrected version of a published statement. Fails with: not_found, statement_not_published (409).</summary>
    public async Task<Result<StatementRecord>> CorrectAsync(WriteScope scope, Period period, string reason)
    {
        var latest = await LatestAsync(scope, scope.Community.Id, period.Text);
        if (latest is null) return Failure.NotFound($"Statement {period.Text}");
        if (latest.Status != "published") return Failure.Conflict(Codes.StatementNotPublished, $"Statement {period.Text} is still a draft: remark on it instead.");
        await scope.AuditAsync("statement.correct", $"statement:{period.Text}", reason);
        return await DraftAsync(scope, period, reason);
    }

    /// <summary>Publishes every draft whose sign-off window has passed, months before quarters before years, oldest first.</summary>
    public async Task<int> PublishDueAsync(WriteScope scope)
    {
        var due = (await scope.QueryAsync<(string Period, string Kind)>(
            "SELECT period, kind FROM statements WHERE community_id = @Id AND status = 'draft' AND sign_off_until <= @Now",
            new { scope.Community.Id, Now = Dates.Instant(scope.Now) }))
            .OrderBy(p => p.Kind switch { "month" => 0, "quarter" => 1, _ => 2 }).ThenBy(p => p.Period, StringComparer.Ordinal).ToList();
        var published = 0;
        foreach (var (text, _) in due)
        {
            Period.TryParse(text, scope.Community.FiscalYearStartMonth, out var period);
            if ((await PublishAsync(scope, period)).Ok) published++;
        }
        return published;
    }

    public Task<IReadOnlyList<StatementRecord>> ListAsync(long communityId, bool includeDrafts) => db.ReadAsync<IReadOnlyList<StatementRecord>>(async read =>
        (await read.QueryAsync<Row>($"""
            SELECT {Columns} FROM statements WHERE community_id = @communityId {(includeDrafts ? "" : "AND status = 'published'")} ORDER BY period, version
            """, new { communityId })).Select(r => r.ToRecord()).ToList());

    /// <summary>The latest published version of a period (or the given version, if published).</summary>
    public Task<StatementRecord?> PublishedAsync(long communityId, string period, int? version = null) => db.ReadAsync(async read =>
        (await read.QuerySingleOrDefaultAsync<Row>($"""
            SELECT {Columns} FROM statements WHERE community_id = @communityId AND period = @period AND status = 'published'
            {(version is null ? "" : "AND version = @version")} ORDER BY version DESC LIMIT 1
            """, new { communityId, period, version }))?.ToRecord());

    /// <summary>
    /// Every figure of DESIGN.md section 6 for the period. Each book answers for its own tables: the balances for the
    /// bank, result and payables; FeeBook for fees received, public revenue and arrears; SpendingBook for the payments;
    /// BudgetBook for the budget; InquiryBook for the queries; RegisterBook for the terms. This composes them.
    /// </summary>
    public static async Task<StatementDoc> BuildAsync(ReadScope read, CommunityInfo community, Period period, int version,
        string? previousHash, CorrectionFigure? correction)
    {
        var id = community.Id;
        var (firstDay, lastDay) = (period.From.FirstDay, period.To.LastDay);
        var chart = await Journal.LoadChartAsync(read, id);
        string Name(string code) => chart.TryGetValue(code, out var a) ? a.Name : code;
        var before = await BalanceBook.MovementsAsync(read, id, null, period.From.Previous);
        var during = await BalanceBook.MovementsAsync(read, id, period.From, period.To);
        long Net(Dictionary<string, AccountMovement> m, Func<AccountDef, bool> which) =>
            m.Values.Where(x => chart.TryGetValue(x.AccountCode, out var a) && which(a)).Sum(x => x.Net);
        long Bal(Dictionary<string, AccountMovement> m, string code) => m.TryGetValue(code, out var x) ? x.Net : 0;
        long AtEnd(string code) => Bal(before, code) + Bal(during, code);

        var bankIn = during.TryGetValue(AccountCodes.Bank, out var bank) ? bank.Debit : 0;
        var bankOut = bank?.Credit ?? 0;
        var opening = Bal(before, AccountCodes.Bank);

        var (fees, revenue) = await FeeBook.ReceivedAsync(read, id, firstDay, lastDay);
        var publicRevenue = revenue.Select(r => new NamedAmount(r.Account, Name(r.Account), r.Amount)).ToList();
        var items = await SpendingBook.PaidAsync(read, id, firstDay, lastDay, Name);
        var byLine = items.GroupBy(i => i.Account).Select(g => new NamedAmount(g.Key, Name(g.Key), g.Sum(i => i.Amount)))
            .OrderBy(l => l.Account, StringComparer.Ordinal).ToList();

        var income = -Net(during, a => a.Kind == AccountKinds.Income && a.Fund == Funds.Common);
        var expense = Net(during, a => a.Kind == AccountKinds.Expense && a.Fund == Funds.Common);
        var remunerationPaid = items.Where(i => i.Account == AccountCodes.RemunerationPayable).Sum(i => i.Amount);
        var budget = await BudgetBook.FiguresAsync(read, community, period, during, Name);

        // Arrears as they stood at the period's end: settlements after it do not count yet.
        var terms = (await RegisterBook.TrustTermsAsync(read, id))?.Terms;
        var owed = await FeeBook.ArrearsAtAsync(read, id, lastDay, period.From, period.To);
        var (billed, collected) = (owed.Months.Sum(m => m.Billed), owed.Months.Sum(m => m.Collected));
        // Under three units in arrears the count, amount and age split are withheld (ArrearsFigures.Publishable).
        var arrears = ArrearsFigures.Publishable(owed.UnitsInArrears, owed.TotalDue, billed, collected, owed.Buckets,
            terms?.Disclosure.ArrearsDetail != "unit" ? null
            : owed.Units.Count < ArrearsUnitFigure.MinimumListed ? []
            : owed.Units.OrderBy(u => u.Building, StringComparer.Ordinal).ThenBy(u => u.Number, StringComparer.Ordinal)
                .Select(u => new ArrearsUnitFigure(u.Building, u.Number)).ToList());

        // The period in the community's time zone, as instants: queries are timed to the instant.
        var (from, until) = community.Instants(period);
        var queries = await InquiryBook.FiguresAsync(read, community, from, until, terms?.QueryAnswerDays ?? 7);
        var remarks = (await read.QueryAsync<(string Body, string CreatedAt)>(
            "SELECT body, created_at FROM statement_remarks WHERE community_id = @id AND period = @Period ORDER BY id",
            new { id, Period = period.Text })).Select(r => new RemarkFigure("supervisor", r.Body, r.CreatedAt)).ToList();

        // The chain position at the period's end: the last entry dated in or before it.
        var head = await read.QueryOptionalAsync<(long Seq, string ChainHash)>(
            "SELECT seq, chain_hash FROM entries WHERE community_id = @id AND month <= @To ORDER BY seq DESC LIMIT 1", new { id, To = period.To.ToString() });

        return new StatementDoc(community.Slug, community.Name, period.Text, period.Kind, version, period.From.ToString(), period.To.ToString(),
            previousHash, head?.Seq ?? 0, head?.ChainHash ?? HashChain.Genesis, "CNY",
            new BankFigures(opening, bankIn, bankOut, opening + bankIn - bankOut),
            new ReceiptFigures(fees, publicRevenue, bankIn - fees - publicRevenue.Sum(r => r.Amount), bankIn),
            new PaymentFigures(byLine, items, bankOut - items.Sum(i => i.Amount), bankOut),
            new ResultFigures(income, expense, income - expense),
            new RemunerationFigures(Net(during, a => a.Code == AccountCodes.RemunerationExpense), remunerationPaid),
            budget, arrears, -AtEnd(AccountCodes.Prepaid),
            new PayableFigures(-AtEnd(AccountCodes.SupplierPayables), -AtEnd(AccountCodes.RemunerationPayable), -AtEnd(AccountCodes.Deposits)),
            queries,
            remarks, correction);
    }
}
