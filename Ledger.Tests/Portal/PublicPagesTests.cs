using AngleSharp.Html.Parser;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Portal;

/// <summary>The public pages a visitor reaches from the portal, read as that visitor reads them, in each language, on each engine.</summary>
public abstract class PublicPagesTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private async Task<string> MutedLineAsync(string path)
    {
        var response = await App.Anonymous().GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        return page.QuerySelector("h1 + p.muted")?.TextContent ?? "";
    }

    [SkippableFact]
    public async Task A_public_motion_page_names_its_kind_and_threshold_in_words_not_api_codes()
    {
        var yard = await PortalYard.BuildAsync(App);
        var adoption = yard.MotionId - 1; // announced just before the other vote; closed and passed by now
        Assert.Equal("2026年度预算", (await yard.Admin.GetJsonAsync(yard.P($"/motions/{adoption}")))["title"]!.GetValue<string>());

        // Announced, not yet tallied: "其他事项", in words, never "other · ordinary".
        var announced = await MutedLineAsync($"/p/{yard.Slug}/motions/{yard.MotionId}");
        Assert.Contains("其他事项 · 参与表决面积和人数均过半数同意", announced);
        Assert.DoesNotContain("other", announced);
        Assert.DoesNotContain("ordinary", announced);
        var announcedEn = await MutedLineAsync($"/p/{yard.Slug}/motions/{yard.MotionId}?lang=en");
        Assert.Contains("Other · yes needs more than half of the participating area and headcount", announcedEn);

        // Closed with its result: "通过年度预算", never "budget_adoption".
        var closed = await MutedLineAsync($"/p/{yard.Slug}/motions/{adoption}");
        Assert.Contains("通过年度预算 · 参与表决面积和人数均过半数同意", closed);
        Assert.DoesNotContain("budget_adoption", closed);
        Assert.Contains("Adopt the year's budget", await MutedLineAsync($"/p/{yard.Slug}/motions/{adoption}?lang=en"));
    }

    [SkippableFact]
    public async Task A_public_spending_page_in_english_names_its_accounts_from_the_english_chart()
    {
        var yard = await PortalYard.BuildAsync(App);
        await (await yard.Supervisor.PostAsync(yard.P($"/spending-requests/{yard.RequestId}/decisions"), new { decision = "approve", comment = "同意" })).AssertStatus(200);
        async Task<string> TextAsync(string path)
        {
            var response = await App.Anonymous().GetAsync(path);
            Assert.Equal(200, (int)response.StatusCode);
            return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).Body!.TextContent;
        }
        var zh = await TextAsync($"/p/{yard.Slug}/spending/{yard.RequestId}");
        Assert.Contains("6103 清洁卫生", zh);
        var en = await TextAsync($"/p/{yard.Slug}/spending/{yard.RequestId}?lang=en");
        Assert.Contains("6103 Cleaning", en); // the line requested and the budget line, as the English statement names them
        Assert.DoesNotContain("清洁卫生", en);
    }

    [SkippableFact]
    public async Task Every_table_heading_on_the_public_pages_says_which_column_it_heads()
    {
        var yard = await PortalYard.BuildAsync(App);
        var owner = await App.LoginAsync(yard.OwnerLogins[0], PortalYard.Password);
        var proposal = (await (await owner.PostAsync(yard.P("/proposals"), new { title = "更换门禁", body = "门禁老化，建议整体更换。" })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await yard.Supervisor.PostAsync(yard.P($"/spending-requests/{yard.RequestId}/decisions"), new { decision = "approve", comment = "同意" })).AssertStatus(200);
        await (await yard.Trustee.PostAsync(yard.P($"/spending-requests/{yard.RequestId}/payment"), new { paidAt = "2026-11-21", bankRef = "BK-TH" })).AssertStatus(201);
        var pages = new[]
        {
            $"/p/{yard.Slug}", $"/p/{yard.Slug}/motions/{yard.MotionId}", $"/p/{yard.Slug}/motions/{yard.MotionId - 1}",
            $"/p/{yard.Slug}/proposals/{proposal}", $"/p/{yard.Slug}/spending/{yard.RequestId}",
        };
        var tables = 0;
        foreach (var path in pages.SelectMany(p => new[] { p, p + "?lang=en" }))
        {
            var response = await App.Anonymous().GetAsync(path);
            Assert.True(200 == (int)response.StatusCode, $"{path}: {(int)response.StatusCode}");
            var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
            foreach (var table in page.QuerySelectorAll("table"))
            {
                tables++;
                var heads = table.QuerySelectorAll("thead tr > *").ToList();
                Assert.NotEmpty(heads);
                // html-validate's wcag/h63 (a th without scope), and a header row with a cell that heads nothing.
                Assert.All(heads, h => Assert.Equal("TH", h.TagName));
                Assert.All(heads, h => Assert.False(string.IsNullOrWhiteSpace(h.TextContent), $"{path}: an empty heading"));
                Assert.All(table.QuerySelectorAll("th"), h => Assert.Equal("col", h.GetAttribute("scope")));
            }
        }
        Assert.True(tables >= 16, $"only {tables} tables"); // participation, channels, result, support, request, budget line, decisions, payment ...
    }

    [SkippableFact]
    public async Task A_public_page_reads_its_language_tag_by_its_primary_subtag_in_any_case()
    {
        var yard = await PortalYard.BuildAsync(App);
        async Task<string?> LangAsync(string query)
        {
            var response = await App.Anonymous().GetAsync($"/p/{yard.Slug}{query}");
            Assert.Equal(200, (int)response.StatusCode);
            return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).DocumentElement.GetAttribute("lang");
        }
        // The Chinese page first, so each English tag below meets a warm cache that must not answer it in Chinese.
        Assert.Equal("zh-CN", await LangAsync(""));
        foreach (var english in new[] { "?lang=en", "?lang=EN", "?lang=en-GB", "?lang=En-us" })
            Assert.Equal("en", await LangAsync(english));
        foreach (var chinese in new[] { "?lang=zh", "?lang=zh-CN", "?lang=ZH-Hans", "?lang=fr", "?lang=english", "?lang=" })
            Assert.Equal("zh-CN", await LangAsync(chinese));
    }
}

public sealed class SqlitePublicPagesTests(SqliteFixture fixture) : PublicPagesTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresPublicPagesTests(PostgresFixture fixture) : PublicPagesTests(fixture), IClassFixture<PostgresFixture>;
