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
public sealed class StatementBook(LedgerDatabase db, CommunityBook communities, RegisterBook register)
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
    /// Closes <paramref name="month"/> (guarantee 5) and builds its draft statement, and those of the
    /// quarter and fiscal year it ends. Idempotent. Fails with the codes of <see cref="Communities.CloseMonthAsync"/>.
    /// </summary>
    public async Task<Result<CommunityBook.ClosedMonth>> CloseAndBuildAsync(WriteScope scope, Month month)
    {
        var closed = await communities.CloseMonthAsync(scope, month);
        if (!closed.Ok) return closed;
        await DraftAsync(scope, Period.OfMonth(month));
        foreach (var period in Period.EndingWith(month, scope.Community.FiscalYearStartMonth))
            await DraftAsync(scope, period);
        return closed;
    }

    private async Task<StatementRecord?> LatestAsync(DbConnection connection, DbTransaction? tx, long communityId, string period, bool publishedOnly = false) =>
        (await connection.QuerySingleOrDefaultAsync<Row>($"""
            SELECT {Columns} FROM statements WHERE community_id = @communityId AND period = @period {(publishedOnly ? "AND status = 'published'" : "")}
            ORDER BY version DESC LIMIT 1
            """, new { communityId, period }, tx))?.ToRecord();

    /// <summary>Builds (or rebuilds, while it is a draft) the latest version's draft. A published statement is left alone.</summary>
    public async Task<StatementRecord> DraftAsync(WriteScope scope, Period period, string? correctionReason = null)
    {
        var c = scope.Community;
        var latest = await LatestAsync(scope.Connection, scope.Transaction, c.Id, period.Text);
        if (latest is { Status: "published" } && correctionReason is null) return latest;
        var version = latest is null ? 1 : latest.Status == "published" ? latest.Version + 1 : latest.Version;
        var correction = correctionReason is not null && latest is { Status: "published" } ? new CorrectionFigure(correctionReason, latest.Hash)
            : latest?.CorrectionReason is { } kept ? new CorrectionFigure(kept, (await PublishedHashAsync(scope, period.Text, version - 1))!) : null;
        var doc = await BuildAsync(scope.Connection, scope.Transaction, c, period, version, await PreviousPublishedHashAsync(scope, period), correction);
        var (body, hash) = Freeze(doc);
        var signOffDays = (await register.TrustTermsAsync(c.Id, scope.Connection, scope.Transaction))?.Terms.Disclosure.SignOffDays ?? 3;
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
        return (await LatestAsync(scope.Connection, scope.Transaction, c.Id, period.Text))!;
    }

    private async Task<string?> PublishedHashAsync(WriteScope scope, string period, int version) =>
        await scope.QuerySingleOrDefaultAsync<string>("SELECT hash FROM statements WHERE community_id = @Id AND period = @period AND version = @version",
            new { scope.Community.Id, period, version });

    /// <summary>The published hash of the period before (the month, quarter or year before), or null for the first.</summary>
    private async Task<string?> PreviousPublishedHashAsync(WriteScope scope, Period period)
    {
        var previous = period.Previous;
        return previous is null ? null : (await LatestAsync(scope.Connection, scope.Transaction, scope.Community.Id, previous.Text, publishedOnly: true))?.Hash;
    }

    /// <summary>Adds the supervisor's remark to a draft. Fails with: not_found, statement_published (409).</summary>
    public async Task<Result<StatementRecord>> RemarkAsync(WriteScope scope, Period period, string text)
    {
        var latest = await LatestAsync(scope.Connection, scope.Transaction, scope.Community.Id, period.Text);
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
        var latest = await LatestAsync(scope.Connection, scope.Transaction, scope.Community.Id, period.Text);
        if (latest is null) return Failure.NotFound($"Statement {period.Text}");
        if (latest.Status == "published") return latest;
        var previous = period.Previous;
        if (previous is not null)
        {
            var before = await LatestAsync(scope.Connection, scope.Transaction, scope.Community.Id, previous.Text);
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
        return (await LatestAsync(scope.Connection, scope.Transaction, scope.Community.Id, period.Text))!;
    }

    /// <summary>Starts a corrected version of a published statement. Fails with: not_found, statement_not_published (409).</summary>
    public async Task<Result<StatementRecord>> CorrectAsync(WriteScope scope, Period period, string reason)
    {
        var latest = await LatestAsync(scope.Connection, scope.Transaction, scope.Community.Id, period.Text);
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

    public async Task<IReadOnlyList<StatementRecord>> ListAsync(long communityId, bool includeDrafts)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<Row>($"""
            SELECT {Columns} FROM statements WHERE community_id = @communityId {(includeDrafts ? "" : "AND status = 'published'")} ORDER BY period, version
            """, new { communityId })).Select(r => r.ToRecord()).ToList();
    }

    /// <summary>The latest published version of a period (or the given version, if published).</summary>
    public async Task<StatementRecord?> PublishedAsync(long communityId, string period, int? version = null)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QuerySingleOrDefaultAsync<Row>($"""
            SELECT {Columns} FROM statements WHERE community_id = @communityId AND period = @period AND status = 'published'
            {(version is null ? "" : "AND version = @version")} ORDER BY version DESC LIMIT 1
            """, new { communityId, period, version }))?.ToRecord();
    }

    private sealed class Movement
    {
        public string AccountCode { get; init; } = "";
        public long Debit { get; init; }
        public long Credit { get; init; }
    }

    private static async Task<Dictionary<string, Movement>> MovementsAsync(DbConnection c, DbTransaction? tx, long communityId, string condition, object param) =>
        (await c.QueryAsync<Movement>($"""
            SELECT account_code, CAST(SUM(debit_fen) AS BIGINT) AS debit, CAST(SUM(credit_fen) AS BIGINT) AS credit
            FROM account_balances WHERE community_id = @communityId AND {condition} GROUP BY account_code
            """, param, tx)).ToDictionary(m => m.AccountCode);

    /// <summary>Every figure of DESIGN.md section 6 for the period, from the per-month balances and the period's own rows.</summary>
    public static async Task<StatementDoc> BuildAsync(DbConnection c, DbTransaction? tx, CommunityInfo community, Period period, int version,
        string? previousHash, CorrectionFigure? correction)
    {
        var id = community.Id;
        var range = new { communityId = id, From = period.From.ToString(), To = period.To.ToString(),
            FromDay = Dates.Format(period.From.FirstDay), ToDay = Dates.Format(period.To.LastDay) };
        var chart = await Journal.LoadChartAsync(c, id, tx);
        string Name(string code) => chart.TryGetValue(code, out var a) ? a.Name : code;
        var before = await MovementsAsync(c, tx, id, "month < @From", range);
        var during = await MovementsAsync(c, tx, id, "month BETWEEN @From AND @To", range);
        long Net(Dictionary<string, Movement> m, Func<AccountDef, bool> which) =>
            m.Values.Where(x => chart.TryGetValue(x.AccountCode, out var a) && which(a)).Sum(x => x.Debit - x.Credit);
        long Bal(Dictionary<string, Movement> m, string code) => m.TryGetValue(code, out var x) ? x.Debit - x.Credit : 0;
        long AtEnd(string code) => Bal(before, code) + Bal(during, code);

        var bankIn = during.TryGetValue(FeeBook.Bank, out var bank) ? bank.Debit : 0;
        var bankOut = bank?.Credit ?? 0;
        var opening = Bal(before, FeeBook.Bank);

        var fees = await c.QuerySingleAsync<long>(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM payments WHERE community_id = @communityId AND paid_on BETWEEN @FromDay AND @ToDay", range, tx);
        var publicRevenue = (await c.QueryAsync<(string Source, long Amount)>(
                "SELECT source, CAST(SUM(amount_fen) AS BIGINT) FROM receipts WHERE community_id = @communityId AND received_on BETWEEN @FromDay AND @ToDay GROUP BY source",
                range, tx))
            .Select(r => new NamedAmount(ReceiptSources.Accounts[r.Source], Name(ReceiptSources.Accounts[r.Source]), r.Amount))
            .OrderBy(r => r.Account, StringComparer.Ordinal).ToList();

        var items = (await c.QueryAsync<(string PaidOn, string Payee, long Amount, string Account, long Id, string? Voucher, long Seq)>("""
            SELECT paid_on, payee, amount_fen, account_code, id, voucher, paid_seq FROM spending_requests
            WHERE community_id = @communityId AND status = 'paid' AND paid_on BETWEEN @FromDay AND @ToDay ORDER BY paid_on, paid_seq
            """, range, tx)).Select(p => new PaymentItem(p.PaidOn, p.Payee, p.Amount, p.Account, Name(p.Account), p.Id, p.Voucher, p.Seq)).ToList();
        var byLine = items.GroupBy(i => i.Account).Select(g => new NamedAmount(g.Key, Name(g.Key), g.Sum(i => i.Amount)))
            .OrderBy(l => l.Account, StringComparer.Ordinal).ToList();

        var income = -Net(during, a => a.Kind == AccountKinds.Income && a.Fund == Funds.Common);
        var expense = Net(during, a => a.Kind == AccountKinds.Expense && a.Fund == Funds.Common);
        var remunerationPaid = items.Where(i => i.Account == SpendingBook.RemunerationPayable).Sum(i => i.Amount);

        BudgetFigures? budget = null;
        var fiscalYear = Period.FiscalYearOf(period.To, community.FiscalYearStartMonth);
        var budgetRow = await c.QueryOptionalAsync<(long Id, long Version)>(
            "SELECT id, version FROM budgets WHERE community_id = @communityId AND fiscal_year = @fiscalYear AND status = 'adopted'", new { communityId = id, fiscalYear }, tx);
        if (budgetRow is { } br)
        {
            var fyFrom = Period.FiscalYear(fiscalYear, community.FiscalYearStartMonth).From;
            var ytd = await MovementsAsync(c, tx, id, "month BETWEEN @FyFrom AND @To", new { communityId = id, FyFrom = fyFrom.ToString(), range.To });
            var lines = (await c.QueryAsync<(string Kind, string Account, long Amount)>(
                "SELECT kind, account_code, amount_fen FROM budget_lines WHERE community_id = @communityId AND budget_id = @Id ORDER BY account_code",
                new { communityId = id, br.Id }, tx)).ToList();
            long Under(Dictionary<string, Movement> m, string line) =>
                m.Values.Where(x => x.AccountCode.StartsWith(line, StringComparison.Ordinal)).Sum(x => x.Debit - x.Credit);
            BudgetLineFigure Figure((string Kind, string Account, long Amount) l, int sign)
            {
                var p = sign * Under(during, l.Account);
                var y = sign * Under(ytd, l.Account);
                return new BudgetLineFigure(l.Account, Name(l.Account), l.Amount, p, y, l.Amount - y);
            }
            budget = new BudgetFigures(fiscalYear, br.Id, (int)br.Version,
                lines.Where(l => l.Kind == "expense").Select(l => Figure(l, 1)).ToList(),
                lines.Where(l => l.Kind == "income").Select(l => Figure(l, -1)).ToList());
        }

        // Arrears as they stood at the period's end: settlements after it do not count yet. Only bills
        // open now, or settled after the period's end, can have been open then: read just those.
        var open = (await c.QueryAsync<(string Building, string Number, long UnitId, string IssuedOn, long Due)>("""
            WITH candidates (id) AS (
                SELECT id FROM bills WHERE community_id = @communityId AND paid_fen < amount_fen AND issued_on <= @ToDay
                UNION
                SELECT bill_id FROM settlements WHERE community_id = @communityId AND settled_on > @ToDay)
            SELECT u.building, u.number, b.unit_id, b.issued_on,
                   b.amount_fen - COALESCE((SELECT SUM(s.amount_fen) FROM settlements s WHERE s.community_id = b.community_id AND s.bill_id = b.id AND s.settled_on <= @ToDay), 0)
            FROM candidates k JOIN bills b ON b.id = k.id JOIN units u ON u.community_id = b.community_id AND u.id = b.unit_id
            WHERE b.issued_on <= @ToDay
            """, range, tx)).Where(b => b.Due > 0).ToList();
        var buckets = new long[ArrearsBuckets.Names.Length];
        foreach (var b in open)
            buckets[ArrearsBuckets.Of(Math.Max(0, period.To.LastDay.DayNumber - DateOnly.ParseExact(b.IssuedOn, "yyyy-MM-dd").DayNumber))] += b.Due;
        var (billed, collected) = await c.QuerySingleAsync<(long, long)>("""
            SELECT CAST(COALESCE(SUM(b.amount_fen), 0) AS BIGINT),
                   CAST(COALESCE(SUM((SELECT COALESCE(SUM(s.amount_fen), 0) FROM settlements s WHERE s.community_id = b.community_id AND s.bill_id = b.id AND s.settled_on <= @ToDay)), 0) AS BIGINT)
            FROM bills b WHERE b.community_id = @communityId AND b.kind = 'fee' AND b.month BETWEEN @From AND @To
            """, range, tx);
        var terms = await c.QueryOptionalAsync<(long Version, string Document)>(
            "SELECT version, document FROM trust_terms WHERE community_id = @communityId ORDER BY version DESC LIMIT 1", new { communityId = id }, tx);
        var byUnit = terms is { } t && JsonSerializer.Deserialize<TrustTerms>(t.Document, Json)?.Disclosure.ArrearsDetail == "unit";
        var arrears = new ArrearsFigures(open.Select(b => b.UnitId).Distinct().LongCount(), open.Sum(b => b.Due), billed, collected,
            billed == 0 ? 0 : collected * 10_000 / billed, buckets,
            byUnit ? open.GroupBy(b => (b.Building, b.Number)).OrderBy(g => g.Key.Building, StringComparer.Ordinal).ThenBy(g => g.Key.Number, StringComparer.Ordinal)
                .Select(g => new ArrearsUnitFigure(g.Key.Building, g.Key.Number, g.Sum(b => b.Due))).ToList() : null);

        // The period in the community's time zone, as instants: queries are timed to the instant.
        DateTimeOffset Start(DateOnly day) => new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), community.Zone), TimeSpan.Zero);
        var answerDays = terms is { } qt ? JsonSerializer.Deserialize<TrustTerms>(qt.Document, Json)?.QueryAnswerDays ?? 7 : 7;
        var queries = await InquiryBook.FiguresAsync(c, tx, community, Start(period.From.FirstDay), Start(period.To.LastDay.AddDays(1)), answerDays);
        var remarks = (await c.QueryAsync<(string Body, string CreatedAt)>(
            "SELECT body, created_at FROM statement_remarks WHERE community_id = @communityId AND period = @Period ORDER BY id",
            new { communityId = id, Period = period.Text }, tx)).Select(r => new RemarkFigure("supervisor", r.Body, r.CreatedAt)).ToList();

        // The chain position at the period's end: the last entry dated in or before it.
        var head = await c.QueryOptionalAsync<(long Seq, string ChainHash)>(
            "SELECT seq, chain_hash FROM entries WHERE community_id = @communityId AND month <= @To ORDER BY seq DESC LIMIT 1", range, tx);

        return new StatementDoc(community.Slug, community.Name, period.Text, period.Kind, version, period.From.ToString(), period.To.ToString(),
            previousHash, head?.Seq ?? 0, head?.ChainHash ?? HashChain.Genesis, "CNY",
            new BankFigures(opening, bankIn, bankOut, opening + bankIn - bankOut),
            new ReceiptFigures(fees, publicRevenue, bankIn - fees - publicRevenue.Sum(r => r.Amount), bankIn),
            new PaymentFigures(byLine, items, bankOut - items.Sum(i => i.Amount), bankOut),
            new ResultFigures(income, expense, income - expense),
            new RemunerationFigures(Net(during, a => a.Code == SpendingBook.RemunerationExpense), remunerationPaid),
            budget, arrears, -AtEnd(FeeBook.Prepaid),
            new PayableFigures(-AtEnd(AccountCodes.SupplierPayables), -AtEnd(SpendingBook.RemunerationPayable), -AtEnd(AccountCodes.Deposits)),
            queries,
            remarks, correction);
    }
}
