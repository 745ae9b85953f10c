using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Memory;

namespace Ledger.Tests.Api;

/// <summary>Bank reconciliation through the API, on each engine: import, matching, the month's reconciliation, signing, publishing.</summary>
public abstract class BankApiTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);

    private sealed record Yard(string Slug, ApiClient Admin, ApiClient Trustee, ApiClient Supervisor, long[] Units, Dictionary<string, long> Seqs)
    {
        public string P(string path) => $"/api/v1/communities/{Slug}{path}";
    }

    /// <summary>October's books: two fee payments of 180 yuan on the 8th (S-1, S-2) and 5,000 yuan of parking revenue on the 10th (PK-10).</summary>
    private async Task<Yard> YardAsync()
    {
        App.Clock.Set(Now);
        var slug = await App.CommunityAsync("2026-09");
        string P(string path) => $"/api/v1/communities/{slug}{path}";
        var admin = await App.UserAsync(slug, "community_admin", "committee");
        var trustee = await App.UserAsync(slug, "trustee", "trustee_manager");
        var supervisor = await App.UserAsync(slug, "supervisor");
        await (await admin.PutAsync(P("/trust-terms"), FeesApiTests.TrustTermsJson())).AssertStatus(200);
        var units = new List<long>();
        for (var i = 0; i < 2; i++)
            units.Add((await (await admin.PostAsync(P("/units"), new { building = "5栋", number = $"{i + 1}01", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>());
        var seqs = new Dictionary<string, long>();
        seqs["S-1"] = (await (await trustee.PostAsync(P("/payments"), new { unitId = units[0], amount = 18_000, paidAt = "2026-10-08", channel = "bank", externalRef = "S-1" })).AssertStatus(201))["seq"]!.GetValue<long>();
        seqs["S-2"] = (await (await trustee.PostAsync(P("/payments"), new { unitId = units[1], amount = 18_000, paidAt = "2026-10-08", channel = "bank", externalRef = "S-2" })).AssertStatus(201))["seq"]!.GetValue<long>();
        seqs["PK-10"] = (await (await trustee.PostAsync(P("/receipts"), new { source = "parking", amount = 500_000, receivedAt = "2026-10-10", payer = "停车公司", memo = "十月停车费", externalRef = "PK-10" })).AssertStatus(201))["seq"]!.GetValue<long>();
        return new Yard(slug, admin, trustee, supervisor, units.ToArray(), seqs);
    }

    private static async Task<HttpResponseMessage> Upload(ApiClient who, string path, byte[] content, string contentType)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await who.Http.PostAsync(path, body);
    }

    /// <summary>October at the bank: one 180-yuan credit without a reference (two payments fit it), the parking revenue by its end-to-end id, a bank fee.</summary>
    private static byte[] October() => BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [
        new("2026-10-08", 180m, "CMB20261008001", null, "张三", "物业费"),
        new("2026-10-10", 5000m, "CMB20261010001", "PK-10", "停车公司", "十月停车费"),
        new("2026-10-31", -12.5m, "CMB20261031001", null, "招商银行", "账户管理费"),
    ]);

    private static async Task<JsonArray> LinesAsync(Yard y, string query = "") => (await y.Trustee.GetJsonAsync(y.P($"/bank-lines{query}")))["items"]!.AsArray();

    private void ForgetPublicCache() => ((MemoryCache)App.Service<IMemoryCache>()).Compact(1.0);

    [SkippableFact]
    public async Task A_camt053_statement_is_imported_once_and_matched_by_reference_then_by_amount_and_date()
    {
        var y = await YardAsync();
        var first = await (await Upload(y.Trustee, y.P("/bank-statements?account=1002&format=camt053"), October(), "application/xml")).AssertStatus(201);
        Assert.Equal((3, 3, 0, 1, 2), (first["lines"]!.GetValue<int>(), first["imported"]!.GetValue<int>(), first["duplicates"]!.GetValue<int>(),
            first["matched"]!.GetValue<int>(), first["unmatched"]!.GetValue<int>()));
        Assert.Equal((0L, 516_750L), (first["opening"]!.GetValue<long>(), first["closing"]!.GetValue<long>()));

        // The same file again answers the first import and adds nothing.
        var again = await (await Upload(y.Trustee, y.P("/bank-statements?format=camt053"), October(), "application/xml")).AssertStatus(200);
        Assert.Equal(first.ToJsonString(), again.ToJsonString());
        Assert.Equal(3, (await LinesAsync(y)).Count);

        var lines = await LinesAsync(y, "?month=2026-10");
        var parking = lines.Single(l => l!["reference"]!.GetValue<string>() == "CMB20261010001")!;
        Assert.Equal(("matched", y.Seqs["PK-10"], "reference"), (parking["status"]!.GetValue<string>(), parking["match"]!["seq"]!.GetValue<long>(), parking["match"]!["kind"]!.GetValue<string>()));
        var fee = lines.Single(l => l!["amount"]!.GetValue<long>() == 18_000)!;
        Assert.Equal("unmatched", fee["status"]!.GetValue<string>());
        Assert.Equal(new[] { y.Seqs["S-1"], y.Seqs["S-2"] }, fee["candidates"]!.AsArray().Select(c => c!.GetValue<long>()).Order());
        Assert.Equal(2, (await LinesAsync(y, "?status=unmatched")).Count);

        // November at the bank: 180 yuan a day after payment S-3, the one free payment of that amount within three days: matched by amount and date.
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{fee["id"]}/match"), new { seq = y.Seqs["S-1"] })).AssertStatus(200);
        var s3 = (await (await y.Trustee.PostAsync(y.P("/payments"), new { unitId = y.Units[1], amount = 18_000, paidAt = "2026-11-01", channel = "bank", externalRef = "S-3" })).AssertStatus(201))["seq"]!.GetValue<long>();
        var november = BankSamples.Camt053("2026-11-01", "2026-11-05", 5167.5m, [new("2026-11-02", 180m, "CMB20261102001", null, "李四", "物业费")]);
        var imported = await (await Upload(y.Trustee, y.P("/bank-statements"), november, "application/xml")).AssertStatus(201); // format sniffed
        Assert.Equal(1, imported["matched"]!.GetValue<int>());
        var late = (await LinesAsync(y, "?month=2026-11")).Single()!;
        Assert.Equal((s3, "amount_date"), (late["match"]!["seq"]!.GetValue<long>(), late["match"]!["kind"]!.GetValue<string>()));

        // Owners do not see the bank's lines.
        var owner = await App.UserAsync(y.Slug, "owner");
        await (await owner.GetAsync(y.P("/bank-lines"))).AssertProblem(403, Codes.Forbidden);
    }

    [SkippableFact]
    public async Task Manual_matching_is_refused_for_the_wrong_amount_or_direction_and_an_entry_explains_one_line()
    {
        var y = await YardAsync();
        await (await Upload(y.Trustee, y.P("/bank-statements"), October(), "application/xml")).AssertStatus(201);
        var lines = await LinesAsync(y);
        long Id(long amount) => lines.Single(l => l!["amount"]!.GetValue<long>() == amount)!["id"]!.GetValue<long>();

        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{Id(18_000)}/match"), new { seq = y.Seqs["PK-10"] })).AssertProblem(422, BankCodes.MatchMismatch);
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{Id(-1_250)}/match"), new { seq = y.Seqs["S-1"] })).AssertProblem(422, BankCodes.MatchMismatch);
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{Id(18_000)}/match"), new { seq = 999_999 })).AssertProblem(404, Codes.NotFound);
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{Id(500_000)}/match"), new { seq = y.Seqs["PK-10"] })).AssertProblem(409, BankCodes.AlreadyMatched);
        await (await y.Trustee.PostAsync(y.P("/bank-lines/999999/match"), new { seq = y.Seqs["S-1"] })).AssertProblem(404, Codes.NotFound);
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{Id(18_000)}/match"), new { seq = 0 })).AssertProblem(400, Codes.ValidationFailed);
        Assert.Equal(2, (await LinesAsync(y, "?status=unmatched")).Count); // nothing changed

        var matched = await (await y.Trustee.PostAsync(y.P($"/bank-lines/{Id(18_000)}/match"), new { seq = y.Seqs["S-2"] })).AssertStatus(200);
        Assert.Equal("manual", matched["match"]!["kind"]!.GetValue<string>());
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{Id(18_000)}/match"), new { seq = y.Seqs["S-1"] })).AssertProblem(409, BankCodes.AlreadyMatched);

        // A bank line's amount is what the bank said: the database refuses to change it.
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        var error = await Record.ExceptionAsync(() => connection.ExecuteAsync("UPDATE bank_lines SET amount_fen = 1 WHERE id = @id", new { id = Id(-1_250) }));
        Assert.Contains("ledger_immutable", error?.Message);
    }

    [SkippableFact]
    public async Task Whoever_holds_a_trustee_role_does_not_sign_the_reconciliation_even_as_a_supervisor()
    {
        var y = await YardAsync();
        await (await Upload(y.Trustee, y.P("/bank-statements"), October(), "application/xml")).AssertStatus(201);
        await (await y.Trustee.PostAsync(y.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/months/2026-10/close"), null)).AssertStatus(200);
        var fee = (await LinesAsync(y)).Single(l => l!["amount"]!.GetValue<long>() == 18_000)!;
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{fee["id"]}/match"), new { seq = y.Seqs["S-1"] })).AssertStatus(200);
        Assert.Equal(0, (await y.Supervisor.GetJsonAsync(y.P("/reconciliations/2026-10")))["unexplained"]!.GetValue<long>());

        // The trustee's staff keep the books the signature vouches for: holding the supervisor role too changes nothing.
        foreach (var staff in new[] { "trustee", "trustee_manager" })
        {
            var both = await App.UserAsync(y.Slug, "supervisor", staff);
            await (await both.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "已核对" })).AssertProblem(403, Codes.TrusteeCannotApprove);
        }
        Assert.Equal("draft", (await y.Supervisor.GetJsonAsync(y.P("/reconciliations/2026-10")))["status"]!.GetValue<string>());
        await (await App.Anonymous().GetAsync($"/p/{y.Slug}/reconciliations/2026-10.json")).AssertProblem(404, Codes.NotFound);
        await (await y.Supervisor.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "已核对" })).AssertStatus(200);
    }

    [SkippableFact]
    public async Task The_supervisor_signs_only_when_nothing_is_unexplained_and_the_published_reconciliation_hashes()
    {
        var y = await YardAsync();
        await (await y.Supervisor.GetAsync(y.P("/reconciliations/2026-10"))).AssertProblem(422, BankCodes.StatementMissing);
        // Months the books do not hold have no reconciliation: they open 2026-09, and today is in 2026-11.
        await (await y.Supervisor.GetAsync(y.P("/reconciliations/2001-01"))).AssertProblem(404, Codes.NotFound);
        await (await y.Supervisor.GetAsync(y.P("/reconciliations/2026-12"))).AssertProblem(404, Codes.NotFound);
        await (await y.Supervisor.PostAsync(y.P("/reconciliations/2026-08/sign"), new { remarks = "已核对" })).AssertProblem(404, Codes.NotFound);
        await (await Upload(y.Trustee, y.P("/bank-statements"), October(), "application/xml")).AssertStatus(201);

        var draft = await y.Supervisor.GetJsonAsync(y.P("/reconciliations/2026-10?account=1002"));
        Assert.Equal(("draft", 516_750L, 536_000L), (draft["status"]!.GetValue<string>(), draft["bankClosing"]!.GetValue<long>(), draft["bookClosing"]!.GetValue<long>()));
        Assert.Equal(-18_000, draft["unexplained"]!.GetValue<long>()); // the 180-yuan credit fits two payments: staff must choose

        await (await y.Supervisor.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "已核对" })).AssertProblem(422, BankCodes.MonthOpen);
        await (await y.Trustee.PostAsync(y.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/months/2026-10/close"), null)).AssertStatus(200);
        await (await y.Supervisor.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "已核对" })).AssertProblem(422, BankCodes.Unexplained);
        await (await y.Trustee.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "已核对" })).AssertProblem(403, Codes.Forbidden);
        await (await App.Anonymous().GetAsync($"/p/{y.Slug}/reconciliations/2026-10.json")).AssertProblem(404, Codes.NotFound);

        var fee = (await LinesAsync(y)).Single(l => l!["amount"]!.GetValue<long>() == 18_000)!;
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{fee["id"]}/match"), new { seq = y.Seqs["S-1"] })).AssertStatus(200);
        var ready = await y.Supervisor.GetJsonAsync(y.P("/reconciliations/2026-10"));
        Assert.Equal(0, ready["unexplained"]!.GetValue<long>());
        var items = ready["items"]!.AsArray();
        Assert.Equal(new[] { ("in_books_not_bank", -18_000L, "S-2"), ("in_bank_not_books", -1_250L, "CMB20261031001") },
            items.Select(i => (i!["kind"]!.GetValue<string>(), i["amount"]!.GetValue<long>(), i["reference"]!.GetValue<string>())));

        var signed = await (await y.Supervisor.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "十月银行手续费12.50元待入账；一笔物业费11月到账。" })).AssertStatus(200);
        Assert.Equal("signed", signed["status"]!.GetValue<string>());
        await (await y.Supervisor.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "again" })).AssertProblem(409, BankCodes.AlreadySigned);
        // Staff keep seeing each item's reference and memo after signing; only the public document leaves them out.
        var after = await y.Supervisor.GetJsonAsync(y.P("/reconciliations/2026-10"));
        Assert.Equal("signed", after["status"]!.GetValue<string>());
        Assert.Equal(signed["hash"]!.GetValue<string>(), after["hash"]!.GetValue<string>());
        Assert.Equal(items.ToJsonString(), after["items"]!.ToJsonString());
        Assert.Equal(items.ToJsonString(), (await y.Trustee.GetJsonAsync(y.P("/reconciliations/2026-10")))["items"]!.ToJsonString());

        var published = await App.Anonymous().GetJsonAsync($"/p/{y.Slug}/reconciliations/2026-10.json");
        Assert.Equal(signed["hash"]!.GetValue<string>(), published["hash"]!.GetValue<string>());
        Assert.Equal(published["hash"]!.GetValue<string>(), Reconciliation.HashOf(published));
        var text = published.ToJsonString();
        foreach (var secret in new[] { "张三", "S-2", "CMB2026", "账户管理费" }) Assert.DoesNotContain(secret, text); // no names, references or memos
        var tampered = published.DeepClone().AsObject();
        tampered["bankClosing"] = 516_751;
        Assert.NotEqual(published["hash"]!.GetValue<string>(), Reconciliation.HashOf(tampered));

        var zh = await App.Anonymous().Http.GetStringAsync($"/p/{y.Slug}/reconciliations/2026-10");
        Assert.Contains("银行对账", zh);
        Assert.Contains("lang=\"zh-CN\"", zh);
        Assert.Contains(published["hash"]!.GetValue<string>(), zh);
        Assert.DoesNotContain("张三", zh);
        var en = await App.Anonymous().Http.GetStringAsync($"/p/{y.Slug}/reconciliations/2026-10?lang=en");
        Assert.Contains("Bank reconciliation", en);
        Assert.Contains("explained by 2 reconciling item(s)", en);
        // The language link leads to the same reconciliation in the other language.
        Assert.Contains($"href=\"/p/{y.Slug}/reconciliations/2026-10?lang=en\" hreflang=\"en\"", zh);
        Assert.Contains($"href=\"/p/{y.Slug}/reconciliations/2026-10\" hreflang=\"zh-CN\"", en);

        // The month's statement links it; the community page says in one line whether bank and books agree.
        await (await y.Admin.PostAsync(y.P("/statements/2026-09/publish"), null)).AssertStatus(200);
        await (await y.Admin.PostAsync(y.P("/statements/2026-10/publish"), null)).AssertStatus(200);
        ForgetPublicCache();
        Assert.Contains($"/p/{y.Slug}/reconciliations/2026-10", await App.Anonymous().Http.GetStringAsync($"/p/{y.Slug}/statements/2026-10"));
        var community = await App.Anonymous().Http.GetStringAsync($"/p/{y.Slug}?lang=en");
        Assert.Contains("Bank and books differ by -¥192.50, explained by 2 reconciling item(s)", community);

        // Frozen: the database refuses to change a signed reconciliation.
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        var error = await Record.ExceptionAsync(() => connection.ExecuteAsync("UPDATE bank_reconciliations SET body = body || ' '"));
        Assert.Contains("ledger_immutable", error?.Message);
    }

    [SkippableFact]
    public async Task The_published_reconciliation_shows_owners_payments_only_as_a_total_and_is_cached_as_public_pages_are()
    {
        // October: S-1 reaches the bank; S-2 (unit 2, 180 yuan on the 8th) and S-4 (unit 1, 360 yuan on the 20th) are in the books only.
        // Listed one by one, each would publish a household's payment: its date, and an amount that is a unit's fee for some months.
        var y = await YardAsync();
        await (await y.Trustee.PostAsync(y.P("/payments"), new { unitId = y.Units[0], amount = 36_000, paidAt = "2026-10-20", channel = "bank", externalRef = "S-4" })).AssertStatus(201);
        await (await Upload(y.Trustee, y.P("/bank-statements"), October(), "application/xml")).AssertStatus(201);
        var fee = (await LinesAsync(y)).Single(l => l!["amount"]!.GetValue<long>() == 18_000)!;
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{fee["id"]}/match"), new { seq = y.Seqs["S-1"] })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/months/2026-10/close"), null)).AssertStatus(200);
        await (await y.Supervisor.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "已核对" })).AssertStatus(200);

        // Staff and the supervisor keep every item, owners' payments marked as such.
        var staff = (await y.Supervisor.GetJsonAsync(y.P("/reconciliations/2026-10")))["items"]!.AsArray();
        Assert.Equal(new[] { ("2026-10-08", -18_000L, "S-2", true), ("2026-10-20", -36_000L, "S-4", true), ("2026-10-31", -1_250L, "CMB20261031001", false) },
            staff.Select(i => (i!["date"]!.GetValue<string>(), i["amount"]!.GetValue<long>(), i["reference"]!.GetValue<string>(), i["personal"]!.GetValue<bool>())));

        // The public sees the bank's fee as it was, and the owners' payments as one total for the month with their number.
        var response = await App.Anonymous().GetAsync($"/p/{y.Slug}/reconciliations/2026-10.json");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(Ledger.Api.Public.PublicEndpoints.PublicCacheControl, response.Headers.CacheControl?.ToString());
        var published = await response.Json();
        Assert.Equal(published["hash"]!.GetValue<string>(), Reconciliation.HashOf(published));
        Assert.Equal("""[{"amount":-1250,"date":"2026-10-31","kind":"in_bank_not_books"},{"amount":-54000,"date":"2026-10","kind":"in_books_not_bank","ownerPayments":2}]""",
            published["items"]!.ToJsonString());
        Assert.Equal(0, published["unexplained"]!.GetValue<long>());
        foreach (var secret in new[] { "2026-10-08", "2026-10-20", "18000", "36000" }) Assert.DoesNotContain(secret, published.ToJsonString());

        var page = await App.Anonymous().GetAsync($"/p/{y.Slug}/reconciliations/2026-10?lang=en");
        Assert.Equal(Ledger.Api.Public.PublicEndpoints.PublicCacheControl, page.Headers.CacheControl?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("explained by 3 reconciling item(s)", html);
        Assert.Contains("payment(s) in total, not listed one by one", html);
        foreach (var secret in new[] { "2026-10-08", "2026-10-20", "¥180.00", "¥360.00", "-¥180.00", "-¥360.00" }) Assert.DoesNotContain(secret, html);
        // Not signed: nothing to keep.
        Assert.False((await App.Anonymous().GetAsync($"/p/{y.Slug}/reconciliations/2026-11")).Headers.CacheControl?.Public ?? false);
    }

    [SkippableFact]
    public async Task A_cmb_export_in_gb18030_imports_overlaps_add_only_new_lines_and_gaps_and_bad_balances_are_refused()
    {
        var y = await YardAsync();
        var url = y.P("/bank-statements?format=csv&mapping=cmb");
        var first = BankSamples.CmbCsv(0m, [new("2026-10-08", 180m, Party: "张三", Memo: "转账汇入"), new("2026-10-12", 1000m, Party: "某某广告公司", Memo: "广告费")]);
        var a = await (await Upload(y.Trustee, url, first, "text/csv")).AssertStatus(201);
        Assert.Equal(2, a["imported"]!.GetValue<int>());
        var lines = await LinesAsync(y);
        Assert.Equal(("张三", "转账汇入", 18_000L), (lines[0]!["counterparty"]!.GetValue<string>(), lines[0]!["memo"]!.GetValue<string>(), lines[0]!["balance"]!.GetValue<long>()));
        await (await Upload(y.Trustee, url, first, "text/csv")).AssertStatus(200);

        // 12 to 18 October overlaps: the 12th is already there, the 18th is new.
        var overlap = BankSamples.CmbCsv(180m, [new("2026-10-12", 1000m, Memo: "广告费"), new("2026-10-18", -50m, Memo: "手续费")]);
        var b = await (await Upload(y.Trustee, url, overlap, "text/csv")).AssertStatus(201);
        Assert.Equal((1, 1), (b["imported"]!.GetValue<int>(), b["duplicates"]!.GetValue<int>()));

        // A statement that opens at anything but 1,130 yuan leaves a gap.
        var gap = BankSamples.CmbCsv(1990m, [new("2026-10-25", 10m)]);
        var problem = await (await Upload(y.Trustee, url, gap, "text/csv")).AssertProblem(422, BankCodes.StatementGap);
        var running = BankSamples.CmbCsv(1130m, [new("2026-10-21", 10m), new("2026-10-22", 10m)], (row, bal) => row == 2 ? bal + 1m : bal);
        problem = await (await Upload(y.Trustee, url, running, "text/csv")).AssertProblem(422, BankCodes.BalanceMismatch);
        Assert.Equal(2, problem["errors"]![0]!["row"]!.GetValue<int>());
        var broken = System.Text.Encoding.GetEncoding("GB18030").GetBytes("记账日期,货币,交易金额,联机余额,交易摘要,对手信息\r\n2026/13/45,人民币,10.00,1140.00,x,y\r\n20261023,人民币,abc,1140.00,x,y\r\n");
        problem = await (await Upload(y.Trustee, url, broken, "text/csv")).AssertProblem(400, Codes.ImportInvalid);
        Assert.Contains(problem["errors"]!.AsArray(), e => e!["row"]!.GetValue<int>() == 1 && e["field"]!.GetValue<string>() == "date");
        Assert.Contains(problem["errors"]!.AsArray(), e => e!["row"]!.GetValue<int>() == 2 && e["field"]!.GetValue<string>() == "amount");
        await (await Upload(y.Trustee, y.P("/bank-statements?format=csv&mapping=nope"), first, "text/csv")).AssertProblem(422, BankCodes.UnknownMapping);
        await (await Upload(y.Trustee, y.P("/bank-statements?format=csv"), first, "text/csv")).AssertProblem(400, Codes.ValidationFailed);
        await (await Upload(y.Trustee, y.P("/bank-statements?account=1122"), October(), "application/xml")).AssertProblem(400, Codes.ValidationFailed);
        Assert.Equal(3, (await LinesAsync(y)).Count); // nothing of the refused files

        // The next statement that chains is taken.
        var next = BankSamples.CmbCsv(1130m, [new("2026-10-25", 10m)]);
        await (await Upload(y.Trustee, url, next, "text/csv")).AssertStatus(201);
    }

    [SkippableFact]
    public async Task An_xlsx_export_reads_through_a_saved_mapping_with_debit_and_credit_columns()
    {
        var y = await YardAsync();
        var mapping = new
        {
            skipRows = 1, encoding = "utf-8", date = new { column = "交易日期", format = "yyyy-MM-dd" },
            amount = new { debitColumn = "借方发生额", creditColumn = "贷方发生额" }, balance = new { column = "余额" },
            reference = new { column = "交易流水号" }, counterparty = new { column = "对方户名" }, memo = new { column = 7 },
        };
        await (await y.Trustee.PutAsync(y.P("/bank-mappings/icbc"), mapping)).AssertStatus(200);
        await (await y.Trustee.PutAsync(y.P("/bank-mappings/bad"), new { encoding = "latin1", date = new { column = "日期" }, amount = new { column = "金额", debitColumn = "借" }, balance = new { column = 0 } }))
            .AssertProblem(400, Codes.ValidationFailed);
        await (await y.Supervisor.PutAsync(y.P("/bank-mappings/icbc"), mapping)).AssertProblem(403, Codes.Forbidden);

        var xlsx = BankSamples.Xlsx([
            ["中国工商银行 账户历史明细"],
            ["交易日期", "交易流水号", "对方户名", "借方发生额", "贷方发生额", "余额", "摘要"],
            ["2026-10-10", "PK-10", "停车公司", null, 5000.00m, 5000.00m, "十月停车费"],
            ["2026-10-20", "ICBC-2", "某某保洁公司", 300.5m, null, 4699.50m, "保洁费"],
        ]);
        var imported = await (await Upload(y.Trustee, y.P("/bank-statements?format=xlsx&mapping=icbc"), xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).AssertStatus(201);
        Assert.Equal((2, 1, 469_950L), (imported["imported"]!.GetValue<int>(), imported["matched"]!.GetValue<int>(), imported["closing"]!.GetValue<long>()));
        var lines = await LinesAsync(y);
        Assert.Equal(("reference", "十月停车费"), (lines[0]!["match"]!["kind"]!.GetValue<string>(), lines[0]!["memo"]!.GetValue<string>()));
        Assert.Equal(-30_050, lines[1]!["amount"]!.GetValue<long>());

        var garbage = await (await Upload(y.Trustee, y.P("/bank-statements?format=xlsx&mapping=icbc"), "PK\u0003\u0004 not a workbook"u8.ToArray(), "application/octet-stream")).AssertProblem(400, Codes.ImportInvalid);
        Assert.Equal("xlsx", garbage["errors"]![0]!["field"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task Bank_interest_is_recorded_as_public_revenue_and_an_unexplained_debit_stays_a_reconciling_item()
    {
        var y = await YardAsync();
        var file = BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [
            new("2026-10-08", 180m, "B1", "S-1"), new("2026-10-08", 180m, "B2", "S-2"), new("2026-10-10", 5000m, "B3", "PK-10"),
            new("2026-10-21", 3.21m, "B4", null, "招商银行", "结息"),
            new("2026-10-25", -100m, "B5", null, "不明收款人", "转账支出"),
        ]);
        await (await Upload(y.Trustee, y.P("/bank-statements"), file, "application/xml")).AssertStatus(201);
        var lines = await LinesAsync(y, "?status=unmatched");
        var interest = lines.Single(l => l!["reference"]!.GetValue<string>() == "B4")!["id"]!.GetValue<long>();
        var debit = lines.Single(l => l!["reference"]!.GetValue<string>() == "B5")!["id"]!.GetValue<long>();

        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{debit}/receipt"), new { source = "interest", memo = "?" })).AssertProblem(422, BankCodes.NotACredit);
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{interest}/receipt"), new { source = "salary", memo = "x" })).AssertProblem(400, Codes.ValidationFailed);
        var recorded = await (await y.Trustee.PostAsync(y.P($"/bank-lines/{interest}/receipt"), new { source = "interest", memo = "十月结息" })).AssertStatus(201);
        Assert.Equal("receipt", recorded["match"]!["kind"]!.GetValue<string>());
        var entry = await y.Trustee.GetJsonAsync(y.P($"/entries/{recorded["match"]!["seq"]}"));
        Assert.Equal("2026-10-21", entry["date"]!.GetValue<string>());
        Assert.Contains(entry["lines"]!.AsArray(), l => l!["account"]!.GetValue<string>() == "5204" && l["credit"]?.GetValue<long>() == 321);
        // The bank's counterparty stays with staff: the published memo names no one unless staff name the payer.
        Assert.Equal($"公共收益 {BankBook.UnnamedPayer}: 十月结息", entry["memo"]!.GetValue<string>());
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{interest}/receipt"), new { source = "interest", memo = "again" })).AssertProblem(409, BankCodes.AlreadyMatched);

        // The 100 yuan that left the bank has no approved request behind it: it stays a reconciling item, and the books do not move.
        await (await y.Trustee.PostAsync(y.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/months/2026-10/close"), null)).AssertStatus(200);
        var r = await y.Supervisor.GetJsonAsync(y.P("/reconciliations/2026-10"));
        Assert.Equal((0L, 526_321L, 536_321L), (r["unexplained"]!.GetValue<long>(), r["bankClosing"]!.GetValue<long>(), r["bookClosing"]!.GetValue<long>()));
        var item = Assert.Single(r["items"]!.AsArray())!;
        Assert.Equal(("in_bank_not_books", -10_000L), (item["kind"]!.GetValue<string>(), item["amount"]!.GetValue<long>()));
        await (await y.Supervisor.PostAsync(y.P("/reconciliations/2026-10/sign"), new { remarks = "10月25日100元支出无审批，已要求受托人说明。" })).AssertStatus(200);
        // The maintenance fund's account has no statement yet; its credits are not the common fund's revenue.
        await (await y.Supervisor.GetAsync(y.P("/reconciliations/2026-10?account=1003"))).AssertProblem(422, BankCodes.StatementMissing);
        var maintenance = BankSamples.Camt053("2026-11-01", "2026-11-20", 0m, [new("2026-11-20", 1m, "M1", null, "招商银行", "结息")]);
        await (await Upload(y.Trustee, y.P("/bank-statements?account=1003"), maintenance, "application/xml")).AssertStatus(201);
        var m1 = (await LinesAsync(y, "?account=1003")).Single()!["id"]!.GetValue<long>();
        await (await y.Trustee.PostAsync(y.P($"/bank-lines/{m1}/receipt"), new { source = "interest", memo = "结息" })).AssertProblem(422, Codes.FundMismatch);
    }

    /// <summary>
    /// The bank's history only grows, inside the books. After October (last line 2026-10-31, closing 5,167.50 yuan): a
    /// statement that opens at that closing but books a line in mid-October is bank_statement_gap (it would rewrite the
    /// history and make the real November statement fail); a line after today or before the books open is
    /// month_not_open; a zero-amount entry, or a camt.053 naming no date at all (once a 500), is import_invalid.
    /// Nothing is imported by any of them, and the real November statement still follows October.
    /// </summary>
    [SkippableFact]
    public async Task A_statement_cannot_rewrite_the_banks_history_or_fall_outside_the_books()
    {
        var y = await YardAsync();
        await (await Upload(y.Trustee, y.P("/bank-statements?account=1002&format=camt053"), October(), "application/xml")).AssertStatus(201);
        Task<HttpResponseMessage> Send(byte[] file) => Upload(y.Trustee, y.P("/bank-statements?account=1002&format=camt053"), file, "application/xml");
        // The statement's period holds its line (a line outside it is import_invalid before the books are asked).
        byte[] November(string date, decimal yuan, string from = "2026-11-01", string to = "2026-11-20") =>
            BankSamples.Camt053(from, to, 5167.5m, [new(date, yuan, $"CMB-{date}", null, "某某公司", "x")]);

        // The same bank reference with another amount or date is a rewritten history, not a duplicate.
        var changed = await (await Send(BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [
            new("2026-10-08", 190m, "CMB20261008001", null, "张三", "物业费"),
        ]))).AssertProblem(422, BankCodes.StatementGap);
        Assert.Contains("CMB20261008001", changed["detail"]!.GetValue<string>());
        await (await Send(BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [
            new("2026-10-09", 180m, "CMB20261008001", null, "张三", "物业费"),
        ]))).AssertProblem(422, BankCodes.StatementGap);
        // The same booking again (an overlapping statement) is still a duplicate.
        var again = await (await Send(BankSamples.Camt053("2026-10-01", "2026-10-08", 0m, [
            new("2026-10-08", 180m, "CMB20261008001", null, "张三", "物业费"),
        ]))).AssertStatus(201);
        Assert.Equal((0, 1), (again["imported"]!.GetValue<int>(), again["duplicates"]!.GetValue<int>()));
        // A known line whose running balance does not follow the account's (the file opens at another balance) is refused,
        // and so is a statement whose period runs past today or starts before the books, even with nothing new in it.
        await (await Send(BankSamples.Camt053("2026-10-01", "2026-10-08", 100m, [
            new("2026-10-08", 180m, "CMB20261008001", null, "张三", "物业费"),
        ]))).AssertProblem(422, BankCodes.StatementGap);
        await (await Send(BankSamples.Camt053("2026-10-31", "2027-06-30", 5167.5m, []))).AssertProblem(422, Codes.MonthNotOpen);
        await (await Send(BankSamples.Camt053("2026-08-01", "2026-10-08", 0m, [
            new("2026-10-08", 180m, "CMB20261008001", null, "张三", "物业费"),
        ]))).AssertProblem(422, Codes.MonthNotOpen);
        await (await Send(November("2026-10-15", -100m, from: "2026-10-15"))).AssertProblem(422, BankCodes.StatementGap);
        await (await Send(November("2026-11-25", -100m, to: "2026-11-25"))).AssertProblem(422, Codes.MonthNotOpen); // today is 2026-11-21
        await (await Send(November("2026-08-15", -100m, from: "2026-08-15"))).AssertProblem(422, Codes.MonthNotOpen); // the books open 2026-09
        var zero = await (await Send(November("2026-11-02", 0m))).AssertProblem(400, Codes.ImportInvalid);
        Assert.Equal("Amt", zero["errors"]![0]!["field"]!.GetValue<string>());
        var undated = """
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>x</Id>
            <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>
            <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>
            </Stmt></BkToCstmrStmt></Document>
            """u8.ToArray();
        await (await Send(undated)).AssertProblem(400, Codes.ImportInvalid);
        var dtd = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY e \"x\">]><Document/>"u8.ToArray();
        var refused = await (await Send(dtd)).AssertProblem(400, Codes.ImportInvalid);
        Assert.DoesNotContain("XmlReader", refused["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(3, (await LinesAsync(y)).Count);

        await (await Send(November("2026-11-02", -100m))).AssertStatus(201);
        Assert.Equal(4, (await LinesAsync(y)).Count);
    }

    /// <summary>
    /// An XLSX file is a ZIP: a small one whose one cell expands to 1.1 billion letters ran the reader out of memory (a 500
    /// after seconds of work). It is import_invalid before the workbook is read, and nothing is imported.
    /// </summary>
    [SkippableFact]
    public async Task An_xlsx_that_expands_far_beyond_any_bank_export_is_refused_before_it_is_read()
    {
        var y = await YardAsync();
        await (await y.Trustee.PutAsync(y.P("/bank-mappings/sheet"), new { skipRows = 0, encoding = "utf-8", date = new { column = 1, format = "yyyy-MM-dd" },
            amount = new { column = 2 }, balance = new { column = 3 } })).AssertStatus(200);
        var bomb = BankSamples.XlsxBomb(1_100L * 1024 * 1024);
        Assert.True(bomb.Length < Ledger.Api.Bank.BankEndpoints.MaxFileBytes / 2, $"{bomb.Length} bytes");
        var refused = await (await Upload(y.Trustee, y.P("/bank-statements?format=xlsx&mapping=sheet"), bomb, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
            .AssertProblem(400, Codes.ImportInvalid);
        Assert.Equal("xlsx", refused["errors"]![0]!["field"]!.GetValue<string>());
        Assert.Empty(await LinesAsync(y));
    }

    /// <summary>
    /// Bank exports carry stray control characters (a NUL, an ESC) in their text columns. What the bank wrote is shown to
    /// people, and PostgreSQL's text holds no NUL (the insert failed, a 500): the line is imported without them.
    /// </summary>
    [SkippableFact]
    public async Task Control_characters_in_a_bank_exports_text_are_left_out_of_its_lines()
    {
        var y = await YardAsync();
        var file = BankSamples.CmbCsv(0m, [new("2026-10-08", 180m, Party: "张\u0000三\u001b", Memo: "转账\u0001汇入")]);
        await (await Upload(y.Trustee, y.P("/bank-statements?format=csv&mapping=cmb"), file, "text/csv")).AssertStatus(201);
        var line = (await LinesAsync(y)).Single()!;
        Assert.Equal(("张 三", "转账 汇入"), (line["counterparty"]!.GetValue<string>(), line["memo"]!.GetValue<string>()));
    }

    /// <summary>
    /// A camt.053 file nested a million elements deep (7 MB, well under the size limit) overflowed the stack while its
    /// balance codes were read, which ends the whole process: it is import_invalid, and the service goes on.
    /// </summary>
    [SkippableFact]
    public async Task A_camt053_file_nested_too_deep_is_refused_without_ending_the_service()
    {
        var y = await YardAsync();
        const int depth = 1_000_000;
        var deep = new System.Text.StringBuilder("""<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Bal><Tp><CdOrPrtry><Cd>""");
        deep.Insert(deep.Length, "<a>", depth).Append("OPBD").Insert(deep.Length, "</a>", depth).Append("</Cd></CdOrPrtry></Tp></Bal></Stmt></BkToCstmrStmt></Document>");
        var refused = await (await Upload(y.Trustee, y.P("/bank-statements?account=1002&format=camt053"), System.Text.Encoding.UTF8.GetBytes(deep.ToString()), "application/xml"))
            .AssertProblem(400, Codes.ImportInvalid);
        Assert.Equal("xml", refused["errors"]![0]!["field"]!.GetValue<string>());
        Assert.Empty(await LinesAsync(y));

        await (await Upload(y.Trustee, y.P("/bank-statements?account=1002&format=camt053"), October(), "application/xml")).AssertStatus(201);
    }

    /// <summary>
    /// A statement vouches for its own period: one that ends before it starts, or that books an entry outside it, is
    /// import_invalid (the entry named by its row and bank reference). An empty statement whose closing is not its
    /// opening does not add up (bank_balance_mismatch). Nothing is kept of any of them.
    /// </summary>
    [SkippableFact]
    public async Task A_statement_whose_period_is_reversed_or_does_not_hold_its_entries_is_invalid()
    {
        var y = await YardAsync();
        Task<HttpResponseMessage> Send(byte[] file) => Upload(y.Trustee, y.P("/bank-statements?account=1002&format=camt053"), file, "application/xml");
        SampleLine[] october = [new("2026-10-08", 180m, "CMB20261008001", null, "张三", "物业费"), new("2026-10-10", 5000m, "CMB20261010001", "PK-10", "停车公司", "十月停车费")];

        var reversed = await (await Send(BankSamples.Camt053("2026-10-31", "2026-10-01", 0m, october))).AssertProblem(400, Codes.ImportInvalid);
        var error = Assert.Single(reversed["errors"]!.AsArray())!;
        Assert.Equal((0, "FrToDt"), (error["row"]!.GetValue<int>(), error["field"]!.GetValue<string>()));
        Assert.Contains("ends before it starts", error["reason"]!.GetValue<string>());

        var outside = await (await Send(BankSamples.Camt053("2026-10-01", "2026-10-09", 0m, october))).AssertProblem(400, Codes.ImportInvalid);
        error = Assert.Single(outside["errors"]!.AsArray())!;
        Assert.Equal((2, "BookgDt"), (error["row"]!.GetValue<int>(), error["field"]!.GetValue<string>()));
        Assert.Contains("CMB20261010001", error["reason"]!.GetValue<string>());
        Assert.Contains("2026-10-10", error["reason"]!.GetValue<string>());

        await (await Send(BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [], closing: 100m))).AssertProblem(422, BankCodes.BalanceMismatch);

        Assert.Empty(await LinesAsync(y));
        await (await y.Supervisor.GetAsync(y.P("/reconciliations/2026-10"))).AssertProblem(422, BankCodes.StatementMissing); // no statement kept
        await (await Send(BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, october))).AssertStatus(201);
    }

    /// <summary>
    /// A statement speaks for its whole period. After October (L1..L6, two lines without a bank reference), re-sent
    /// Octobers of lines already imported that leave out the last line (a smaller closing), the first (a larger opening)
    /// or three lines that net to zero, a part of the month with its known lines in another order, and statements with a
    /// new November line that leave out imported October lines, all still add up line by line, but contradict the
    /// imported history: bank_statement_gap, and nothing changes. A part of the month re-sent whole stays a duplicate,
    /// the same file again answers the first import, and November still follows.
    /// </summary>
    [SkippableFact]
    public async Task A_resent_statement_must_hold_every_line_already_imported_for_its_period()
    {
        var y = await YardAsync();
        Task<HttpResponseMessage> Send(byte[] file) => Upload(y.Trustee, y.P("/bank-statements?account=1002&format=camt053"), file, "application/xml");
        SampleLine l1 = new("2026-10-05", 100m, null, null, "某某公司", "转账"), l2 = new("2026-10-08", 180m, "CMB-R2", null, "张三", "物业费"),
            l3 = new("2026-10-20", 50m, null, null, "李四", "转账"), l4 = new("2026-10-22", 50m, "CMB-R4", null, "王五", "转账"),
            l5 = new("2026-10-25", -100m, "CMB-R5", null, "某某公司", "退款"), l6 = new("2026-10-31", -12.5m, null, null, "招商银行", "账户管理费"),
            n1 = new("2026-11-02", 10m, "CMB-N1", null, "某某公司", "转账");
        byte[] October(decimal opening, params SampleLine[] lines) => BankSamples.Camt053("2026-10-01", "2026-10-31", opening, lines);
        await (await Send(October(0m, l1, l2, l3, l4, l5, l6))).AssertStatus(201); // balances 100, 280, 330, 380, 280, 267.50

        var lastLeftOut = await (await Send(October(0m, l1, l2, l3, l4, l5))).AssertProblem(422, BankCodes.StatementGap);
        Assert.Contains("-1250 fen booked on 2026-10-31 without a bank reference", lastLeftOut["detail"]!.GetValue<string>());
        await (await Send(October(100m, l2, l3, l4, l5, l6))).AssertProblem(422, BankCodes.StatementGap);
        var netZero = await (await Send(October(0m, l1, l2, l6))).AssertProblem(422, BankCodes.StatementGap);
        Assert.Contains("2026-10-20", netZero["detail"]!.GetValue<string>());
        var reordered = await (await Send(BankSamples.Camt053("2026-10-20", "2026-10-25", 380m, [l5, l3, l4]))).AssertProblem(422, BankCodes.StatementGap);
        Assert.Contains("Row 2", reordered["detail"]!.GetValue<string>());
        await (await Send(BankSamples.Camt053("2026-10-01", "2026-11-05", 0m, [l1, l2, l6, n1]))).AssertProblem(422, BankCodes.StatementGap);
        await (await Send(BankSamples.Camt053("2026-10-21", "2026-11-05", 267.5m, [n1]))).AssertProblem(422, BankCodes.StatementGap);
        Assert.Equal(6, (await LinesAsync(y)).Count);
        Assert.Equal(1, await StatementCountAsync(y));

        var part = await (await Send(BankSamples.Camt053("2026-10-08", "2026-10-22", 100m, [l2, l3, l4]))).AssertStatus(201);
        Assert.Equal((0, 3), (part["imported"]!.GetValue<int>(), part["duplicates"]!.GetValue<int>()));
        await (await Send(October(0m, l1, l2, l3, l4, l5, l6))).AssertStatus(200);
        var november = await (await Send(BankSamples.Camt053("2026-11-01", "2026-11-05", 267.5m, [n1]))).AssertStatus(201);
        Assert.Equal(1, november["imported"]!.GetValue<int>());
        Assert.Equal(3, await StatementCountAsync(y));
    }

    private async Task<long> StatementCountAsync(Yard y)
    {
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM bank_statements s JOIN communities c ON c.id = s.community_id WHERE c.slug = @Slug", new { y.Slug });
    }
}

public sealed class SqliteBankApiTests(SqliteFixture fixture) : BankApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresBankApiTests(PostgresFixture fixture) : BankApiTests(fixture), IClassFixture<PostgresFixture>;
