using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using Dapper;
using Ledger.Api.Public;
using Ledger.Api.Verification;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Memory;

namespace Ledger.Tests.Api;

/// <summary>Statements, public pages, downloads and verification, on each engine.</summary>
public abstract class DisclosureTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private void ForgetPublicCache() => ((MemoryCache)App.Service<IMemoryCache>()).Compact(1.0);

    [SkippableFact]
    public async Task Whoever_holds_a_trustee_role_adds_no_supervisors_remark_to_a_draft()
    {
        var y = await DisclosureYard.BuildAsync(App, publish: false);
        foreach (var staff in new[] { "trustee", "trustee_manager" })
        {
            var both = await App.UserAsync(y.Slug, "supervisor", staff);
            await (await both.PostAsync(y.P("/statements/2026-10/remarks"), new { text = "已核对，无异常。" })).AssertProblem(403, Codes.TrusteeCannotApprove);
        }
        var draft = await y.Supervisor.GetJsonAsync(y.P("/statements/2026-10"));
        Assert.DoesNotContain(draft["remarks"]!.AsArray(), r => r!["text"]!.GetValue<string>() == "已核对，无异常。");
        await (await y.Supervisor.PostAsync(y.P("/statements/2026-10/remarks"), new { text = "已核对，无异常。" })).AssertStatus(201);
    }

    [SkippableFact]
    public async Task A_statement_is_built_at_close_takes_remarks_then_publishes_frozen_with_its_hash()
    {
        var y = await DisclosureYard.BuildAsync(App, publish: false);
        var draft = await y.Supervisor.GetJsonAsync(y.P("/statements/2026-10"));
        Assert.Equal("已核对十月全部支出凭证。<i>无异常</i>", draft["remarks"]![0]!["text"]!.GetValue<string>());
        await (await y.Owners[0].GetAsync(y.P("/statements/2026-10"))).AssertProblem(404, Codes.NotFound); // drafts are not for owners yet
        await (await y.Admin.PostAsync(y.P("/statements/2026-10/publish"), null)).AssertProblem(409, Codes.EarlierStatementUnpublished);
        await (await y.Admin.PostAsync(y.P("/statements/2026-09/publish"), null)).AssertStatus(200);
        var published = await (await y.Admin.PostAsync(y.P("/statements/2026-10/publish"), null)).AssertStatus(200);
        await (await y.Supervisor.PostAsync(y.P("/statements/2026-10/remarks"), new { text = "too late" })).AssertProblem(409, Codes.StatementPublished);

        var json = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json"));
        Assert.Equal(published["hash"]!.GetValue<string>(), json["hash"]!.GetValue<string>());
        Assert.Equal(json["hash"]!.GetValue<string>(), StatementBook.HashOfPublished(json));
        var september = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-09.json"));
        Assert.Equal(september["hash"]!.GetValue<string>(), json["previousHash"]!.GetValue<string>());
        Assert.Equal(september["bank"]!["closing"]!.GetValue<long>(), json["bank"]!["opening"]!.GetValue<long>());

        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        var error = await Record.ExceptionAsync(() => connection.ExecuteAsync(
            "UPDATE statements SET body = body || ' ' WHERE period = '2026-10' AND status = 'published'"));
        Assert.Contains("ledger_immutable", error?.Message);
    }

    [SkippableFact]
    public async Task The_statements_figures_equal_the_journals()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var s = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json"));
        // Re-add October from every entry of the journal (staff see them all).
        long bankIn = 0, bankOut = 0, opening = 0, income = 0, expense = 0;
        var chart = (await y.Trustee.GetJsonAsync(y.P("/accounts")))["items"]!.AsArray().ToDictionary(a => a!["code"]!.GetValue<string>(), a => a!["kind"]!.GetValue<string>());
        string? after = null;
        do
        {
            var page = await y.Trustee.GetJsonAsync(y.P($"/entries?limit=500{(after is null ? "" : $"&after={after}")}"));
            foreach (var e in page["items"]!.AsArray())
            {
                var month = e!["date"]!.GetValue<string>()[..7];
                foreach (var l in e["lines"]!.AsArray())
                {
                    var (account, d, c) = (l!["account"]!.GetValue<string>(), l["debit"]?.GetValue<long>() ?? 0, l["credit"]?.GetValue<long>() ?? 0);
                    if (account == "1002" && string.CompareOrdinal(month, "2026-10") < 0) opening += d - c;
                    if (month != "2026-10") continue;
                    if (account == "1002") { bankIn += d; bankOut += c; }
                    if (chart[account] == "income") income += c - d;
                    if (chart[account] == "expense") expense += d - c;
                }
            }
            after = page["next"]?.GetValue<string>();
        } while (after is not null);

        Assert.Equal(opening, s["bank"]!["opening"]!.GetValue<long>());
        Assert.Equal(bankIn, s["bank"]!["receipts"]!.GetValue<long>());
        Assert.Equal(bankOut, s["bank"]!["payments"]!.GetValue<long>());
        Assert.Equal(opening + bankIn - bankOut, s["bank"]!["closing"]!.GetValue<long>());
        Assert.Equal(income, s["result"]!["income"]!.GetValue<long>());
        Assert.Equal(expense, s["result"]!["expense"]!.GetValue<long>());
        Assert.Equal(18_000 + 120_000, bankIn);              // one fee payment, one advertising receipt
        Assert.Equal(150_000, s["payments"]!["items"]![0]!["amount"]!.GetValue<long>());
        Assert.Equal(DisclosureYard.HostilePayee, s["payments"]!["items"]![0]!["payee"]!.GetValue<string>());
        Assert.Equal(1_800, s["remuneration"]!["accrued"]!.GetValue<long>()); // 10% of the 18,000 fen of fees received in October
    }

    [SkippableFact]
    public async Task A_correction_is_a_new_version_that_says_why_and_both_stay_readable()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var v1 = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json"));
        await (await y.Admin.PostAsync(y.P("/statements/2026-10/corrections"), new { reason = "补充监察人意见" })).AssertStatus(201);
        await (await y.Supervisor.PostAsync(y.P("/statements/2026-10/remarks"), new { text = "补充：保洁合同已续签。" })).AssertStatus(201);
        await (await y.Admin.PostAsync(y.P("/statements/2026-10/publish"), null)).AssertStatus(200);
        ForgetPublicCache();
        var v2 = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json"));
        Assert.Equal(2, v2["version"]!.GetValue<int>());
        Assert.Equal("补充监察人意见", v2["correction"]!["reason"]!.GetValue<string>());
        Assert.Equal(v1["hash"]!.GetValue<string>(), v2["correction"]!["supersedes"]!.GetValue<string>());
        Assert.Equal(v1.ToJsonString(), (await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json?version=1"))).ToJsonString());
        var page = await (await App.Anonymous().GetAsync(y.Public("/statements/2026-10"))).Content.ReadAsStringAsync();
        Assert.Contains("?version=1", page);
        Assert.Contains("补充监察人意见", page);
    }

    [SkippableFact]
    public async Task Listed_units_in_arrears_carry_no_amount_and_under_three_are_not_listed()
    {
        // The yard: at October's end two units are in arrears (3栋-201's October, 3栋-301's September and October).
        var y = await DisclosureYard.BuildAsync(App);
        var terms = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(FeesApiTests.TrustTermsJson()))!.AsObject();
        terms["embedOrigins"] = new JsonArray(DisclosureYard.EmbedOrigin);
        terms["disclosure"]!["arrearsDetail"] = "unit";
        await (await y.Admin.PutAsync(y.P("/trust-terms"), terms)).AssertStatus(200);
        await (await y.Admin.PostAsync(y.P("/statements/2026-10/corrections"), new { reason = "按房号公示欠费" })).AssertStatus(201);
        await (await y.Admin.PostAsync(y.P("/statements/2026-10/publish"), null)).AssertStatus(200);
        ForgetPublicCache();
        var two = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json"));
        // Listed, 3栋-201 would be the period's one other unit, and its October bill (its area) the amount less 3栋-301's.
        // Under three units in arrears not even the count is published.
        Assert.Null(two["arrears"]!["unitsInArrears"]);
        Assert.Equal(ArrearsUnitFigure.MinimumListed, two["arrears"]!["withheldBelow"]!.GetValue<int>());
        Assert.Empty(two["arrears"]!["units"]!.AsArray());
        var page = await (await App.Anonymous().GetAsync(y.Public("/statements/2026-10"))).Content.ReadAsStringAsync();
        Assert.Contains("欠费户数少于 3 户，不公布欠费户数", page);
        Assert.DoesNotContain("3栋-201", page);

        // A community of three units, none paid: listed by building and number, never with an amount.
        App.Clock.Set(DisclosureYard.Now);
        var slug = await App.CommunityAsync("2026-09");
        var admin = await App.UserAsync(slug, "community_admin", "trustee", "trustee_manager", "supervisor");
        await (await admin.PutAsync($"/api/v1/communities/{slug}/trust-terms", terms)).AssertStatus(200);
        foreach (var (number, area) in new[] { ("101", 80m), ("102", 100m), ("201", 120m) })
            await (await admin.PostAsync($"/api/v1/communities/{slug}/units", new { building = "1栋", number, use = "residential", area, areaSource = "registered", delivered = true })).AssertStatus(201);
        await (await admin.PutAsync($"/api/v1/communities/{slug}/fee-schedule", new { effectiveFrom = "2026-09", rates = new { residential = "1.80" } })).AssertStatus(200);
        await (await admin.PostAsync($"/api/v1/communities/{slug}/billing-runs", new { month = "2026-09" })).AssertStatus(201);
        await (await admin.PostAsync($"/api/v1/communities/{slug}/months/2026-09/close", null)).AssertStatus(200);
        var listed = (await admin.GetJsonAsync($"/api/v1/communities/{slug}/statements/2026-09"))["arrears"]!;
        Assert.Equal(3 * 18_000, listed["amount"]!.GetValue<long>());
        Assert.Equal(["1栋-101", "1栋-102", "1栋-201"], listed["units"]!.AsArray().Select(u => $"{u!["building"]}-{u["number"]}"));
        Assert.All(listed["units"]!.AsArray(), u => Assert.Null(u!["amount"]));
        await (await admin.PostAsync($"/api/v1/communities/{slug}/statements/2026-09/publish", null)).AssertStatus(200);
        var listedPage = await (await App.Anonymous().GetAsync($"/p/{slug}/statements/2026-09")).Content.ReadAsStringAsync();
        Assert.Contains("欠费房号：1栋-101、1栋-102、1栋-201", listedPage);
        Assert.DoesNotContain("144.00", listedPage); // 1栋-101's bill (80 m² at 1.80)
    }

    [SkippableFact]
    public async Task Arrears_in_a_statement_stand_as_at_the_periods_end_even_when_paid_later()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var before = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json"));
        // Unit 2's October and unit 3's September and October are open: two units, so the amount is withheld; October's
        // bills as collected by its end (unit 1's only) still show.
        Assert.Equal(3 * 18_000, before["arrears"]!["billed"]!.GetValue<long>());
        Assert.Equal(18_000, before["arrears"]!["collected"]!.GetValue<long>());
        var community = (await App.Service<CommunityBook>().FindAsync(y.Slug))!;
        var asAtEnd = await App.Service<LedgerDatabase>().ReadAsync(read => FeeBook.ArrearsAtAsync(read, community.Id, new DateOnly(2026, 10, 31)));
        Assert.Equal(3 * 18_000, asAtEnd.TotalDue);
        await (await y.Trustee.PostAsync(y.P("/payments"), new { unitId = y.Units[2], amount = 36_000, paidAt = "2026-11-20", channel = "bank", externalRef = "LATE" })).AssertStatus(201);
        await (await y.Admin.PostAsync(y.P("/statements/2026-10/corrections"), new { reason = "重新生成" })).AssertStatus(201);
        await (await y.Admin.PostAsync(y.P("/statements/2026-10/publish"), null)).AssertStatus(200);
        ForgetPublicCache();
        var after = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json"));
        Assert.Equal(2, after["version"]!.GetValue<int>());
        Assert.Equal(before["arrears"]!.ToJsonString(), after["arrears"]!.ToJsonString());
        var now = await y.Trustee.GetJsonAsync(y.P("/arrears"));
        Assert.Equal(18_000, now["totalDue"]!.GetValue<long>()); // today only unit 2's October is still open
    }

    [SkippableFact]
    public async Task Under_three_units_in_arrears_a_statement_publishes_no_count_amount_or_age_and_says_why()
    {
        // The yard: at October's end two units are in arrears (3栋-201's October, 3栋-301's September and October: ¥540.00 in
        // all), at September's end one (3栋-301's September, ¥180.00: its area at the rate, so the household is known).
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        foreach (var (period, billed, collected) in new[] { ("2026-10", 54_000L, 18_000L), ("2026-09", 54_000L, 36_000L), ("2026-Q3", 54_000L, 36_000L) })
        {
            var arrears = (await anonymous.GetJsonAsync(y.Public($"/statements/{period}.json")))["arrears"]!.AsObject();
            Assert.Null(arrears["unitsInArrears"]);
            Assert.Null(arrears["amount"]);
            Assert.Null(arrears["buckets"]);
            Assert.Equal(ArrearsUnitFigure.MinimumListed, arrears["withheldBelow"]!.GetValue<int>());
            // What restates the fee income and receipts published anyway stays (README: what a small count cannot hide).
            Assert.Equal(billed, arrears["billed"]!.GetValue<long>());
            Assert.Equal(collected, arrears["collected"]!.GetValue<long>());
            Assert.Equal(collected * 10_000 / billed, arrears["collectionRateBasisPoints"]!.GetValue<long>());
        }

        var parser = new HtmlParser();
        static IEnumerable<string> ArrearsLines(AngleSharp.Html.Dom.IHtmlDocument page) =>
            page.QuerySelectorAll("h2").Single(h => h.TextContent is "欠费情况" or "Arrears").NextElementSibling!
                .NextElementSibling!.QuerySelectorAll("tbody tr td:first-child").Select(td => td.TextContent);
        var zh = parser.ParseDocument(await anonymous.Http.GetStringAsync(y.Public("/statements/2026-10")));
        Assert.Equal("欠费户数少于 3 户，不公布欠费户数、欠费金额及账龄，以免报表直接显示单户欠费。",
            zh.QuerySelectorAll("h2").Single(h => h.TextContent == "欠费情况").NextElementSibling!.TextContent);
        Assert.Equal(["应收", "已收", "收缴率"], ArrearsLines(zh));
        var en = parser.ParseDocument(await anonymous.Http.GetStringAsync(y.Public("/statements/2026-09?lang=en")));
        Assert.StartsWith("Fewer than 3 units are in arrears, so their number, the amount owed and its age are not published",
            en.QuerySelectorAll("h2").Single(h => h.TextContent == "Arrears").NextElementSibling!.TextContent);
        Assert.Equal(["Billed", "Collected", "Collection rate"], ArrearsLines(en));

        // The downloads carry no amount either; the open-data package never had one.
        var csv = Encoding.UTF8.GetString(await anonymous.Http.GetByteArrayAsync(y.Public("/statements/2026-09.csv")));
        Assert.DoesNotContain("arrears,amount", csv);
        Assert.Contains("arrears,billed,,,,,54000,540.00", csv);
        Assert.DoesNotContain("1122", Encoding.UTF8.GetString(await anonymous.Http.GetByteArrayAsync(y.Public("/statements/2026-09/data.csv"))));
        // Members read the same statement; staff still see arrears by unit.
        Assert.Null((await y.Owners[0].GetJsonAsync(y.P("/statements/2026-10")))["arrears"]!["amount"]);
        Assert.Equal(3 * 18_000, (await y.Trustee.GetJsonAsync(y.P("/arrears")))["totalDue"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task A_statement_published_with_its_arrears_figures_keeps_them_as_published()
    {
        // Statements published before the small-count rule carry the count and amount; their hash covers them, so they
        // are served and shown as they were, whatever the count.
        var y = await DisclosureYard.BuildAsync(App);
        var community = (await App.Service<CommunityBook>().FindAsync(y.Slug))!;
        var published = await App.Service<StatementBook>().PublishedAsync(community.Id, "2026-10");
        var old = published!.Doc with { Arrears = new ArrearsFigures(2, 54_000, 54_000, 18_000, 3_333, [18_000, 36_000, 0, 0, 0], null) };
        var (body, hash) = StatementBook.Freeze(old);
        await using (var connection = await App.Service<LedgerDatabase>().OpenAsync())
            await connection.ExecuteAsync("""
                INSERT INTO statements (community_id, period, version, kind, status, body, hash, previous_hash, seq, chain_hash, built_at, sign_off_until, published_at, correction_reason)
                SELECT community_id, period, 9, kind, 'published', @body, @hash, previous_hash, seq, chain_hash, built_at, sign_off_until, published_at, 'old form'
                FROM statements WHERE community_id = @Id AND period = '2026-10' AND version = @Version
                """, new { body, hash, community.Id, published.Version });
        ForgetPublicCache();
        var json = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-10.json?version=9"));
        Assert.Equal(hash, StatementBook.HashOfPublished(json));
        Assert.Equal(54_000, json["arrears"]!["amount"]!.GetValue<long>());
        var page = await App.Anonymous().Http.GetStringAsync(y.Public("/statements/2026-10?version=9"));
        Assert.Contains("欠费金额</td><td class=\"n\">¥540.00", page);
        Assert.DoesNotContain("不公布欠费户数", page);
    }

    [SkippableFact]
    public async Task Public_pages_are_chinese_by_default_english_on_request_and_escape_user_text()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        var parser = new HtmlParser();
        var community = parser.ParseDocument(await anonymous.Http.GetStringAsync(y.Public()));
        Assert.Equal("zh-CN", community.DocumentElement.GetAttribute("lang"));
        Assert.Contains("最新报表", community.Body!.TextContent);
        Assert.NotEmpty(community.QuerySelectorAll("svg title"));

        var zh = await anonymous.Http.GetStringAsync(y.Public("/statements/2026-10"));
        var doc = parser.ParseDocument(zh);
        Assert.Empty(doc.QuerySelectorAll("script"));
        Assert.Contains(DisclosureYard.HostilePayee, doc.Body!.TextContent); // shown as text
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", zh);
        Assert.Empty(doc.QuerySelectorAll("i"));                            // the remark's markup is text too
        Assert.Contains("<i>无异常</i>", doc.Body.TextContent);

        var en = parser.ParseDocument(await anonymous.Http.GetStringAsync(y.Public("/statements/2026-10?lang=en")));
        Assert.Equal("en", en.DocumentElement.GetAttribute("lang"));
        Assert.Contains("Every payment", en.Body!.TextContent);
        Assert.Contains("Cleaning", en.Body.TextContent);

        var missing = await anonymous.GetAsync("/p/no-such-yard");
        Assert.Equal(404, (int)missing.StatusCode);
    }

    [SkippableFact]
    public async Task Public_pages_answer_refusals_as_pages_in_the_readers_language_and_documents_keep_problem_json()
    {
        var slug = await App.CommunityAsync();
        var anonymous = App.Anonymous();
        var parser = new HtmlParser();
        async Task<AngleSharp.Html.Dom.IHtmlDocument> PageAsync(string path, int status, string lang)
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
            var page = parser.ParseDocument(await response.Content.ReadAsStringAsync());
            Assert.Equal(lang, page.DocumentElement.GetAttribute("lang"));
            return page;
        }

        // A route value that does not fit (a motion's id is a number) is the public 404 page, as an unknown motion is.
        Assert.Equal("未找到", (await PageAsync($"/p/{slug}/motions/abc", 404, "zh-CN")).QuerySelector("h1")?.TextContent);
        Assert.Equal("Not found", (await PageAsync($"/p/{slug}/motions/abc?lang=en", 404, "en")).QuerySelector("h1")?.TextContent);
        Assert.Equal("未找到", (await PageAsync($"/p/{slug}/spending/abc", 404, "zh-CN")).QuerySelector("h1")?.TextContent);
        // A page that is not there links to itself in the other language, without parameters it does not name.
        var missing = await PageAsync($"/p/{slug}/motions/999999", 404, "zh-CN");
        Assert.Equal($"/p/{slug}/motions/999999?lang=en", missing.QuerySelector("header a[hreflang]")?.GetAttribute("href"));
        var missingEn = await PageAsync($"/p/{slug}/motions/999999?lang=en&x=1", 404, "en");
        Assert.Equal($"/p/{slug}/motions/999999", missingEn.QuerySelector("header a[hreflang]")?.GetAttribute("href"));
        // Control or bidi characters in the address: a 400 page saying so.
        var bidi = await PageAsync($"/p/{slug}?x=%E2%80%AE", 400, "zh-CN");
        Assert.Equal("网址中含有控制字符或文字方向控制符，页面没有打开。请检查链接。", bidi.QuerySelector("[role=alert]")?.TextContent);
        Assert.Contains("control or text-direction", (await PageAsync($"/p/{slug}/statements/2026-10?lang=en&x=%01", 400, "en")).QuerySelector("[role=alert]")?.TextContent);
        await PageAsync($"/embed/{slug}/latest?x=%01", 400, "zh-CN");
        await (await anonymous.GetAsync($"/p/{slug}/motions/1?x=%01")).AssertRefusalPage(400, Codes.ValidationFailed);

        // The open-data documents and the journal feed are for programs: problem+json, as the API answers.
        await (await anonymous.GetAsync($"/p/{slug}/spending/abc.json")).AssertProblem(404, Codes.NotFound);
        await (await anonymous.GetAsync($"/p/{slug}/statements.json?x=%E2%80%AE")).AssertProblem(400, Codes.ValidationFailed);
        await (await anonymous.GetAsync($"/p/{slug}/statements/2026-10.csv?x=%01")).AssertProblem(400, Codes.ValidationFailed);
        await (await anonymous.GetAsync($"/p/{slug}/journal?after=%E2%80%AE1")).AssertProblem(400, Codes.ValidationFailed);
        await (await anonymous.GetAsync("/api/v1/communities/x/motions/abc")).AssertProblem(404, Codes.NotFound);
    }

    [SkippableFact]
    public async Task Only_the_embed_page_may_be_framed_and_only_by_the_communitys_origins()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        var embed = await anonymous.GetAsync($"/embed/{y.Slug}/latest");
        Assert.Equal(200, (int)embed.StatusCode);
        Assert.Contains($"frame-ancestors {DisclosureYard.EmbedOrigin}", embed.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(embed.Headers.Contains("X-Frame-Options"));
        foreach (var path in new[] { y.Public(), y.Public("/statements/2026-10"), "/api/v1/me" })
        {
            var r = await anonymous.GetAsync(path);
            Assert.Equal("DENY", r.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("frame-ancestors 'none'", r.Headers.GetValues("Content-Security-Policy").Single());
        }
    }

    [SkippableFact]
    public async Task Public_pages_send_exactly_these_headers_whether_or_not_the_caller_is_signed_in()
    {
        // Anonymous public reads skip authentication (issue 18): a signed-in caller, a stale cookie and
        // a bearer token must still see the very same page, header for header, but for the API's no-store.
        var y = await DisclosureYard.BuildAsync(App);
        var token = y.Owners[0].Http.DefaultRequestHeaders.Authorization!.Parameter!;
        static List<string> Headers(HttpResponseMessage r) => r.Headers.Concat(r.Content.Headers).Where(h => h.Key != "Date")
            .Select(h => $"{h.Key}: {string.Join(", ", h.Value)}").Order(StringComparer.Ordinal).ToList();
        foreach (var (path, policy, frameOptions) in new[]
                 {
                     (y.Public("/statements/2026-10"), SecurityHeaders.StrictCsp + "; frame-ancestors 'none'", true),
                     ($"/embed/{y.Slug}/latest", SecurityHeaders.StrictCsp + "; frame-ancestors " + DisclosureYard.EmbedOrigin, false),
                 })
        {
            var anonymous = await App.Anonymous().GetAsync(path);
            var body = await anonymous.Content.ReadAsByteArrayAsync();
            List<string> expected =
            [
                "Cache-Control: public, max-age=10", $"Content-Length: {body.Length}", $"Content-Security-Policy: {policy}",
                "Content-Type: text/html; charset=utf-8", $"ETag: {anonymous.Headers.ETag}", "Referrer-Policy: no-referrer",
                "X-Content-Type-Options: nosniff", .. frameOptions ? new[] { "X-Frame-Options: DENY" } : [],
            ];
            Assert.Equal(expected.Order(StringComparer.Ordinal), Headers(anonymous));
            Assert.Matches("^\"[0-9a-f]{32}\"$", anonymous.Headers.ETag!.Tag);

            foreach (var cookie in new[] { $"ledger_session={token}", "ledger_session=stale-or-forged", "theme=dark" })
            {
                var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("Cookie", cookie);
                var signedIn = await App.Anonymous().Http.SendAsync(request);
                Assert.Equal(expected.Order(StringComparer.Ordinal), Headers(signedIn));
                Assert.Equal(body, await signedIn.Content.ReadAsByteArrayAsync());
            }
            var bearer = await y.Owners[0].GetAsync(path);
            Assert.Equal(expected.Select(h => h.StartsWith("Cache-Control:", StringComparison.Ordinal) ? "Cache-Control: no-store" : h).Order(StringComparer.Ordinal), Headers(bearer));
            Assert.Equal(body, await bearer.Content.ReadAsByteArrayAsync());

            var conditional = new HttpRequestMessage(HttpMethod.Get, path);
            conditional.Headers.IfNoneMatch.Add(anonymous.Headers.ETag!);
            var notModified = await App.Anonymous().Http.SendAsync(conditional);
            Assert.Equal(304, (int)notModified.StatusCode);
            Assert.Equal(expected.Where(h => !h.StartsWith("Content-Length:", StringComparison.Ordinal) && !h.StartsWith("Content-Type:", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
                Headers(notModified).Where(h => h != "Content-Length: 0"));
        }
    }

    [SkippableFact]
    public async Task A_cached_public_page_answered_before_routing_is_the_page_the_endpoint_answers()
    {
        // An anonymous GET of a cached public page is answered before routing (issue 18). A cookie sends the same
        // request the full way (authentication, the endpoint): both must match header for header and byte for byte.
        var y = await DisclosureYard.BuildAsync(App);
        static List<string> Headers(HttpResponseMessage r) => r.Headers.Concat(r.Content.Headers).Where(h => h.Key != "Date")
            .Select(h => $"{h.Key}: {string.Join(", ", h.Value)}").Order(StringComparer.Ordinal).ToList();
        foreach (var path in new[]
                 {
                     y.Public("/statements/2026-10"), y.Public("/statements/2026-10?lang=en"), y.Public("/statements/2026-10?lang=en&junk=1"),
                     $"/embed/{y.Slug}/latest", $"/embed/{y.Slug}/latest?lang=en", y.Public(), y.Public("/statements/2026-10.json"),
                 })
        {
            var first = await App.Anonymous().GetAsync(path);
            var cached = await App.Anonymous().GetAsync(path);
            var withCookie = new HttpRequestMessage(HttpMethod.Get, path);
            withCookie.Headers.Add("Cookie", "theme=dark");
            var fullWay = await App.Anonymous().Http.SendAsync(withCookie);
            Assert.Equal(200, (int)cached.StatusCode);
            Assert.Equal(Headers(fullWay), Headers(cached));
            Assert.Equal(Headers(first), Headers(cached));
            Assert.Equal(await fullWay.Content.ReadAsByteArrayAsync(), await cached.Content.ReadAsByteArrayAsync());
            Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await cached.Content.ReadAsByteArrayAsync());
        }

        // The text guard still refuses a cached page's path with a control character in its query (with a page, as
        // public pages answer refusals), and other methods still get the route table's answer.
        await (await App.Anonymous().GetAsync(y.Public("/statements/2026-10?x=%01"))).AssertRefusalPage(400, Codes.ValidationFailed);
        Assert.Equal(405, (int)(await App.Anonymous().Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, y.Public("/statements/2026-10")))).StatusCode);

        // The embed page's framing policy is read from its own entry at every hit, as the endpoint reads it: new
        // origins show once that entry is renewed, even while the page's bytes are still the cached ones.
        var embedPath = $"/embed/{y.Slug}/latest";
        var before = await (await App.Anonymous().GetAsync(embedPath)).Content.ReadAsByteArrayAsync();
        var terms = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(FeesApiTests.TrustTermsJson()))!.AsObject();
        terms["embedOrigins"] = new JsonArray("https://committee.example");
        await (await y.Admin.PutAsync(y.P("/trust-terms"), terms)).AssertStatus(200);
        App.Service<IMemoryCache>().Remove("embed-policy:" + y.Slug);
        var renewed = await App.Anonymous().GetAsync(embedPath);
        Assert.Equal(SecurityHeaders.StrictCsp + "; frame-ancestors https://committee.example", renewed.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(before, await renewed.Content.ReadAsByteArrayAsync());
        var again = await App.Anonymous().GetAsync(embedPath);
        Assert.Equal(SecurityHeaders.StrictCsp + "; frame-ancestors https://committee.example", again.Headers.GetValues("Content-Security-Policy").Single());
    }

    [SkippableFact]
    public async Task Browsers_and_shared_caches_keep_a_public_answer_no_longer_than_the_server_does()
    {
        // The server keeps a rendered public answer PublicEndpoints.CacheFor; a reader's copy kept longer would show a
        // statement's superseded version after the server already serves the corrected one.
        var y = await DisclosureYard.BuildAsync(App);
        foreach (var path in new[]
                 {
                     y.Public(), y.Public("/statements/2026-10"), y.Public("/statements/2026-10?lang=en"), y.Public("/statements/2026-10.json"),
                     y.Public("/statements/2026-10.csv"), y.Public("/statements/2026-10/datapackage.json"), y.Public("/statements/2026-10/data.csv"),
                     y.Public("/statements.json"), y.Public("/accountability"), $"/embed/{y.Slug}/latest",
                 })
            for (var i = 0; i < 2; i++) // rendered, then answered from the cache before routing
            {
                var response = await App.Anonymous().GetAsync(path);
                Assert.Equal(200, (int)response.StatusCode);
                var cacheControl = response.Headers.CacheControl!;
                Assert.True(cacheControl.Public, path);
                Assert.True(cacheControl.MaxAge <= PublicEndpoints.CacheFor, $"{path}: max-age {cacheControl.MaxAge} outlives the server's {PublicEndpoints.CacheFor}");
                Assert.Equal(PublicEndpoints.CacheFor, cacheControl.MaxAge);
            }
    }

    [SkippableFact]
    public async Task Published_pages_answer_conditional_requests_with_304()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        var first = await anonymous.GetAsync(y.Public("/statements/2026-10"));
        var etag = first.Headers.ETag!;
        var request = new HttpRequestMessage(HttpMethod.Get, y.Public("/statements/2026-10"));
        request.Headers.IfNoneMatch.Add(etag);
        var second = await anonymous.Http.SendAsync(request);
        Assert.Equal(304, (int)second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());

        // Made-up query parameters share the page's cache entry instead of adding their own.
        var cache = (MemoryCache)App.Service<IMemoryCache>();
        var entries = cache.Count;
        for (var i = 0; i < 20; i++)
            Assert.Equal(200, (int)(await anonymous.GetAsync(y.Public($"/statements/2026-10?junk={i}"))).StatusCode);
        Assert.Equal(entries, cache.Count);
    }

    [SkippableFact]
    public async Task Public_pages_and_downloads_answer_head_as_their_get()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        // Link checkers and monitors ask HEAD first; twice, so the second is answered from the cache before routing.
        foreach (var path in new[] { y.Public(), y.Public("/statements/2026-10"), y.Public("/statements/2026-10.csv"), y.Public("/statements/2026-10/datapackage.json"),
                     y.Public("/journal"), "/embed/" + y.Slug + "/latest", y.Public("/statements/2099-01"), y.Public("/statements/2099-01.json") })
            for (var i = 0; i < 2; i++)
            {
                var get = await anonymous.GetAsync(path);
                var head = await anonymous.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
                Assert.True(get.StatusCode == head.StatusCode, $"HEAD {path}: {(int)head.StatusCode}, GET: {(int)get.StatusCode}");
                Assert.Equal(get.Content.Headers.ContentType?.ToString(), head.Content.Headers.ContentType?.ToString());
                Assert.Equal(get.Headers.ETag, head.Headers.ETag);
                Assert.Equal(get.Headers.GetValues("Content-Security-Policy"), head.Headers.GetValues("Content-Security-Policy"));
            }
        // Only public reads: the API still answers HEAD with 405.
        Assert.Equal(405, (int)(await y.Supervisor.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, y.P("/statements")))).StatusCode);
    }

    [SkippableFact]
    public async Task Downloads_are_csv_with_a_bom_and_a_fiscal_data_package()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        var csv = await anonymous.Http.GetByteArrayAsync(y.Public("/statements/2026-10.csv"));
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csv[..3]);
        var text = Encoding.UTF8.GetString(csv[3..]);
        Assert.StartsWith("section,item,account,date,payee,request,amount_fen,amount_yuan,seq,hash", text);
        Assert.Contains(DisclosureYard.HostilePayee, text);
        var package = await anonymous.GetJsonAsync(y.Public("/statements/2026-10/datapackage.json"));
        Assert.Equal("tabular-data-package", package["profile"]!.GetValue<string>());
        Assert.Equal("CNY", package["model"]!["measures"]!["amount"]!["currency"]!.GetValue<string>());
        var data = Encoding.UTF8.GetString(await anonymous.Http.GetByteArrayAsync(y.Public("/statements/2026-10/data.csv")));
        Assert.Contains("expenditure,6103", data);
    }

    [SkippableFact]
    public async Task The_fiscal_data_packages_rows_add_up_to_the_statements_receipts_and_payments()
    {
        var y = await DisclosureYard.BuildAsync(App);
        // November: an owner's payment, and a deposit taken by a manual entry: cash in that is neither fees nor public revenue.
        await (await y.Trustee.PostAsync(y.P("/payments"), new { unitId = y.Units[1], amount = 18_000, paidAt = "2026-11-03", channel = "bank", externalRef = "N-1" })).AssertStatus(201);
        await (await y.Trustee.PostAsync(y.P("/entries"), new
        {
            date = "2026-11-05", memo = "装修押金", fund = "common",
            lines = new object[] { new { account = AccountCodes.Bank, debit = 300_000L }, new { account = AccountCodes.Deposits, credit = 300_000L } },
        })).AssertStatus(201);
        App.Clock.Set(new DateTimeOffset(2026, 12, 2, 2, 0, 0, TimeSpan.Zero));
        await (await y.Trustee.PostAsync(y.P("/months/2026-11/close"), null)).AssertStatus(200);
        await (await y.Admin.PostAsync(y.P("/statements/2026-11/publish"), null)).AssertStatus(200);
        App.Clock.Set(DisclosureYard.Now);

        var anonymous = App.Anonymous();
        foreach (var period in new[] { "2026-09", "2026-10", "2026-Q3", "2026-11" })
        {
            var statement = await anonymous.GetJsonAsync(y.Public($"/statements/{period}.json"));
            var data = await anonymous.Http.GetStringAsync(y.Public($"/statements/{period}/data.csv"));
            var rows = data.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(CsvFields).ToList();
            long Sum(string direction) => rows.Where(r => r[1] == direction).Sum(r => (long)(decimal.Parse(r[5], CultureInfo.InvariantCulture) * 100));
            Assert.Equal(statement["receipts"]!["total"]!.GetValue<long>(), Sum("revenue"));
            Assert.Equal(statement["payments"]!["total"]!.GetValue<long>(), Sum("expenditure"));
            if (period == "2026-11") Assert.Equal(300_000, statement["receipts"]!["other"]!.GetValue<long>());
        }
    }

    /// <summary>One CSV line's fields (RFC 4180: a quoted field may hold commas and doubled quotes).</summary>
    private static string[] CsvFields(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted && ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (ch == '"') quoted = !quoted;
            else if (ch == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(ch);
        }
        fields.Add(field.ToString());
        return [.. fields];
    }

    [SkippableFact]
    public async Task A_period_that_cannot_be_one_is_400_on_every_statements_route()
    {
        var slug = await App.CommunityAsync();
        var supervisor = await App.UserAsync(slug, "supervisor");
        var admin = await App.UserAsync(slug, "community_admin");
        string P(string path) => $"/api/v1/communities/{slug}{path}";
        foreach (var bad in new[] { "abc", "2026-13", "2026-Q5", "26-10" })
        {
            await (await supervisor.GetAsync(P($"/statements/{bad}"))).AssertProblem(400, Codes.ValidationFailed);
            await (await supervisor.PostAsync(P($"/statements/{bad}/remarks"), new { text = "已核对。" })).AssertProblem(400, Codes.ValidationFailed);
            await (await admin.PostAsync(P($"/statements/{bad}/publish"), null)).AssertProblem(400, Codes.ValidationFailed);
            await (await admin.PostAsync(P($"/statements/{bad}/corrections"), new { reason = "更正。" })).AssertProblem(400, Codes.ValidationFailed);
        }
        // A period that could be one and has no statement is not there: 404.
        await (await supervisor.GetAsync(P("/statements/2026-10"))).AssertProblem(404, Codes.NotFound);
    }

    [SkippableFact]
    public async Task The_public_feed_hides_owner_entries_and_each_owner_can_read_their_own()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var feed = await App.Anonymous().GetJsonAsync(y.Public("/journal?limit=500"));
        var items = feed["items"]!.AsArray();
        Assert.Contains(items, i => i!["entry"] is null);   // bills and payments name a unit
        Assert.Contains(items, i => i!["entry"] is not null);
        Assert.DoesNotContain(items, i => i!["entry"]?["lines"]?.AsArray().Any(l => l!["unitId"] is not null) == true);

        var mine = (await y.Owners[0].GetJsonAsync(y.P($"/units/{y.Units[0]}/entries")))["items"]!.AsArray();
        Assert.NotEmpty(mine);
        foreach (var e in mine)
        {
            // The feed's shape, `entry` exactly as hashed (its salt included): the owner recomputes the published hash.
            var published = items.Single(i => i!["seq"]!.GetValue<long>() == e!["seq"]!.GetValue<long>())!;
            Assert.Equal(published["entryHash"]!.GetValue<string>(), CanonicalJson.Sha256Hex(e!["entry"]));
            Assert.Equal(published["entryHash"]!.GetValue<string>(), e["entryHash"]!.GetValue<string>());
        }
        await (await y.Owners[0].GetAsync(y.P($"/units/{y.Units[1]}/entries"))).AssertProblem(404, Codes.NotFound);
        // A unit that does not exist is 404 for staff too, as its statement is, not an empty page.
        await (await y.Trustee.GetAsync(y.P("/units/999999/entries"))).AssertProblem(404, Codes.NotFound);
        await (await y.Trustee.GetAsync(y.P("/units/999999/statement"))).AssertProblem(404, Codes.NotFound);
    }

    [SkippableFact]
    public async Task Verification_passes_and_one_changed_byte_anywhere_fails_it()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var client = App.CreateClient();
        var url = $"http://localhost/p/{y.Slug}";
        var report = await Verifier.VerifyAsync(client, url);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(3, report.Statements); // September, October and the third quarter

        var db = App.Service<LedgerDatabase>();
        var community = (await App.Service<CommunityBook>().FindAsync(y.Slug))!;
        async Task Tamper(string sql)
        {
            await using var connection = await db.OpenAsync();
            if (db.Engine == Engine.Sqlite)
            {
                await connection.ExecuteAsync("DROP TRIGGER entries_no_update; DROP TRIGGER statements_published_frozen;");
                await connection.ExecuteAsync(sql, new { community.Id });
                await connection.ExecuteAsync("""
                    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'ledger_immutable: entries are never updated'); END;
                    CREATE TRIGGER statements_published_frozen BEFORE UPDATE ON statements WHEN OLD.status = 'published'
                    BEGIN SELECT RAISE(ABORT, 'ledger_immutable: a published statement never changes'); END;
                    """);
            }
            else
            {
                await connection.ExecuteAsync("SET session_replication_role = replica");
                await connection.ExecuteAsync(sql, new { community.Id });
                await connection.ExecuteAsync("SET session_replication_role = origin");
            }
            ForgetPublicCache();
        }

        // One byte of a statement: its published hash no longer matches.
        await Tamper("UPDATE statements SET body = replace(body, '\"currency\":\"CNY\"', '\"currency\":\"CNZ\"') WHERE community_id = @Id AND period = '2026-09'");
        var broken = await Verifier.VerifyAsync(client, url);
        Assert.False(broken.Ok);
        Assert.Contains(broken.Problems, p => p.Contains("statement 2026-09") && p.Contains("hash"));
        await Tamper("UPDATE statements SET body = replace(body, '\"currency\":\"CNZ\"', '\"currency\":\"CNY\"') WHERE community_id = @Id AND period = '2026-09'");
        Assert.True((await Verifier.VerifyAsync(client, url)).Ok);

        // The service's own integrity check sees it too.
        var integrity = App.Service<Integrity>();
        Assert.True((await integrity.CheckAsync(community)).Ok);
        await Tamper("UPDATE account_balances SET credit_fen = credit_fen + 1, debit_fen = debit_fen + 1 WHERE community_id = @Id AND account_code = '1002' AND month = '2026-10'");
        var figures = await integrity.CheckAsync(community);
        Assert.Contains(figures.Problems, p => p.Code == "statement_figures_mismatch" && p.Detail.Contains("2026-10"));
        await Tamper("UPDATE account_balances SET credit_fen = credit_fen - 1, debit_fen = debit_fen - 1 WHERE community_id = @Id AND account_code = '1002' AND month = '2026-10'");
        await Tamper("UPDATE statements SET body = body || ' ' WHERE community_id = @Id AND period = '2026-09'");
        Assert.Contains((await integrity.CheckAsync(community)).Problems, p => p.Code == "statement_hash_mismatch");
        await Tamper("UPDATE statements SET body = rtrim(body) WHERE community_id = @Id AND period = '2026-09'");
        Assert.True((await integrity.CheckAsync(community)).Ok);

        // One byte of a public entry: its content no longer hashes to the chain.
        await Tamper("UPDATE entries SET memo = memo || '.' WHERE community_id = @Id AND kind = 'spending'");
        var tampered = await Verifier.VerifyAsync(client, url);
        Assert.False(tampered.Ok);
        Assert.Contains(tampered.Problems, p => p.Contains("hashes to"));
    }

    [SkippableFact]
    public async Task Hledger_balance_on_the_exported_journal_agrees_with_the_trial_balance()
    {
        var hledger = new[] { "/usr/bin/hledger", "/usr/local/bin/hledger" }.FirstOrDefault(File.Exists);
        if (hledger is null)
        {
            if (PostgresServer.InCi) throw new InvalidOperationException("hledger is required when CI is set (apt-get install hledger).");
            Skip.If(true, "hledger is not installed");
        }
        var y = await DisclosureYard.BuildAsync(App);
        var journal = await y.Supervisor.Http.GetStringAsync(y.P("/export/journal"));
        var file = Path.Combine(Path.GetTempPath(), $"{y.Slug}-{Guid.NewGuid():N}.journal");
        await File.WriteAllTextAsync(file, journal);
        try
        {
            var psi = new ProcessStartInfo(hledger!, $"-f {file} balance --flat --no-total -O csv") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(psi)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, errors);
            var hledgerBalances = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(line => line.Split("\",\"")).ToDictionary(
                    f => f[0].Trim('"').Split(' ')[0],
                    f => (long)Math.Round(decimal.Parse(f[1].Trim('"').Replace(" CNY", ""), CultureInfo.InvariantCulture) * 100));
            var tb = await y.Supervisor.GetJsonAsync(y.P("/trial-balance"));
            var ours = tb["accounts"]!.AsArray().ToDictionary(a => a!["code"]!.GetValue<string>(), a => a!["debit"]!.GetValue<long>() - a!["credit"]!.GetValue<long>());
            Assert.Equal(ours.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key), hledgerBalances.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key));
        }
        finally { File.Delete(file); }
    }
}

public sealed class SqliteDisclosureTests(SqliteFixture fixture) : DisclosureTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresDisclosureTests(PostgresFixture fixture) : DisclosureTests(fixture), IClassFixture<PostgresFixture>;
