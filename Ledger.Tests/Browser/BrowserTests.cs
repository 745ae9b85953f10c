using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace Ledger.Tests.Browser;

/// <summary>
/// The service on a real port, a disclosure community on it, and Debian's Chromium driven by
/// Playwright. Skips where Chromium is missing, except when CI is set.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    private LedgerApp? _app;
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public DisclosureYard Yard { get; private set; } = null!;
    public string? Unavailable { get; private set; }
    public string CommunityName { get; private set; } = "";

    /// <summary>A committee's own site, really served on loopback (a browser treats a routed page as public and would not let it frame loopback).</summary>
    public string SiteOrigin { get; private set; } = "";
    private WebApplication? _site;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            Unavailable = "Chromium is not installed (apt-get install chromium)";
            if (PostgresServer.InCi) throw new InvalidOperationException($"A browser is required when CI is set: {Unavailable}");
            return;
        }
        _app = new LedgerApp(Engine.Sqlite);
        _app.UseKestrel(0);
        _app.StartServer();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::1]", "127.0.0.1").Replace("localhost", "127.0.0.1");
        Yard = await DisclosureYard.BuildAsync(_app);
        CommunityName = (await _app.Service<CommunityBook>().FindAsync(Yard.Slug))!.Name;

        var port = FreePort();
        var site = WebApplication.CreateSlimBuilder();
        site.WebHost.UseUrls($"http://localhost:{port}");
        _site = site.Build();
        _site.MapGet("/", (string src) => Results.Content(
            $"<!DOCTYPE html><html><body><h2>社区网站</h2><iframe src=\"{System.Net.WebUtility.HtmlEncode(src)}\" width=\"380\" height=\"400\"></iframe></body></html>",
            "text/html; charset=utf-8"));
        await _site.StartAsync();
        SiteOrigin = $"http://sq.localhost:{port}";
        var terms = await Yard.Admin.GetJsonAsync(Yard.P("/trust-terms"));
        var document = terms["terms"]!.AsObject();
        document["embedOrigins"] = new System.Text.Json.Nodes.JsonArray(SiteOrigin);
        (await Yard.Admin.PutAsync(Yard.P("/trust-terms"), document)).EnsureSuccessStatusCode(); // read, change, put back
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (_site is not null) await _site.DisposeAsync();
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        _app?.Dispose();
    }
}

public sealed class BrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private async Task<IPage> PageAsync(List<string>? requests = null)
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        var page = await context.NewPageAsync();
        if (requests is not null) page.Request += (_, r) => requests.Add(r.Url);
        return page;
    }

    [SkippableFact]
    public async Task The_community_page_shows_the_latest_statement_charts_and_history_in_chinese()
    {
        var requests = new List<string>();
        var page = await PageAsync(requests);
        var response = await page.GotoAsync($"{fixture.BaseUrl}/p/{fixture.Yard.Slug}");
        Assert.Equal(200, response!.Status);
        Assert.Equal(fixture.CommunityName, await page.Locator("h1").InnerTextAsync());
        Assert.Contains("最新报表", await page.Locator("body").InnerTextAsync());
        Assert.True(await page.Locator("figure svg").CountAsync() >= 2);
        Assert.True(await page.Locator("a[href*='/statements/2026-10']").CountAsync() >= 1);
        // Nothing from outside: no scripts, fonts or CDNs, only the page itself.
        Assert.All(requests, r => Assert.StartsWith(fixture.BaseUrl, r));
        // Readable on a phone: nothing wider than the screen but the scrollable tables.
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(overflow);
    }

    [SkippableTheory]
    [InlineData("", "每一笔支出", "zh-CN")]
    [InlineData("?lang=en", "Every payment", "en")]
    public async Task A_statement_page_reads_in_both_languages_and_shows_a_script_payee_as_text(string query, string heading, string lang)
    {
        var page = await PageAsync();
        var dialogs = 0;
        page.Dialog += async (_, d) => { dialogs++; await d.DismissAsync(); };
        await page.GotoAsync($"{fixture.BaseUrl}/p/{fixture.Yard.Slug}/statements/2026-10{query}");
        Assert.Equal(lang, await page.Locator("html").GetAttributeAsync("lang"));
        var text = await page.Locator("body").InnerTextAsync();
        Assert.Contains(heading, text);
        Assert.Contains(DisclosureYard.HostilePayee, text);
        Assert.Equal(0, await page.Locator("main script").CountAsync());
        await page.WaitForTimeoutAsync(200);
        Assert.Equal(0, dialogs);
        var switchTo = await page.Locator("header a").GetAttributeAsync("href");
        Assert.Equal(lang == "en" ? $"/p/{fixture.Yard.Slug}/statements/2026-10" : $"/p/{fixture.Yard.Slug}/statements/2026-10?lang=en", switchTo);
    }

    [SkippableFact]
    public async Task The_embed_page_shows_inside_an_iframe_on_an_allowed_origin_and_is_refused_elsewhere()
    {
        var embed = Uri.EscapeDataString($"{fixture.BaseUrl}/embed/{fixture.Yard.Slug}/latest");
        foreach (var (origin, allowed) in new[] { (fixture.SiteOrigin, true), (fixture.SiteOrigin.Replace("sq.localhost", "evil.localhost"), false) })
        {
            var page = await PageAsync();
            await page.GotoAsync($"{origin}/?src={embed}");
            await page.WaitForTimeoutAsync(500);
            var frame = page.Frames.Single(f => f != page.MainFrame);
            if (allowed) Assert.Equal(fixture.CommunityName, await frame.Locator("h1").InnerTextAsync());
            else Assert.DoesNotContain(fixture.CommunityName, await frame.ContentAsync());
        }
    }

    [SkippableFact]
    public async Task A_full_page_cannot_be_framed_even_by_the_communitys_own_site()
    {
        var page = await PageAsync();
        await page.GotoAsync($"{fixture.SiteOrigin}/?src={Uri.EscapeDataString($"{fixture.BaseUrl}/p/{fixture.Yard.Slug}")}");
        await page.WaitForTimeoutAsync(500);
        var frame = page.Frames.Single(f => f != page.MainFrame);
        Assert.DoesNotContain(fixture.CommunityName, await frame.ContentAsync());
    }
}
