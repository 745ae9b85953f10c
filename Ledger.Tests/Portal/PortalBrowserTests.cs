using Deque.AxeCore.Playwright;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ledger.Tests.Portal;

/// <summary>
/// The service on a real port with a portal yard, and Debian's Chromium, started on first use inside
/// a test (so a missing PostgreSQL or browser skips, or fails under CI).
/// </summary>
public abstract class PortalBrowserFixture(Engine engine) : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LedgerApp? _app;
    private IPlaywright? _playwright;

    public LedgerApp App => _app!;
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public PortalYard Yard { get; private set; } = null!;
    public Engine Engine => engine;

    public async Task StartAsync()
    {
        if (!File.Exists(Ledger.Tests.Browser.BrowserFixture.Chromium))
        {
            if (PostgresServer.InCi) throw new InvalidOperationException("A browser is required when CI is set: Chromium is not installed (apt-get install chromium)");
            Skip.If(true, "Chromium is not installed (apt-get install chromium)");
        }
        await _gate.WaitAsync();
        try
        {
            if (_app is not null) return;
            var app = new LedgerApp(engine);
            app.UseKestrel(0);
            app.StartServer();
            _app = app;
            BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
                .Replace("[::1]", "127.0.0.1").Replace("localhost", "127.0.0.1");
            Yard = await PortalYard.BuildAsync(app);
            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Ledger.Tests.Browser.BrowserFixture.Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
            });
        }
        finally { _gate.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        _app?.Dispose();
        GC.SuppressFinalize(this);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}

public sealed class SqlitePortalBrowserFixture() : PortalBrowserFixture(Engine.Sqlite);

public sealed class PostgresPortalBrowserFixture() : PortalBrowserFixture(Engine.Postgres);

/// <summary>Whole journeys in a phone-sized Chromium, each page checked by axe-core (no serious or critical finding).</summary>
public abstract class PortalBrowserTests(PortalBrowserFixture fixture)
{
    private const string Submit = "main form:not(.inline) button[type=submit]";

    private async Task<IPage> PageAsync()
    {
        await fixture.StartAsync();
        // axe-core is injected by the test driver; the pages themselves allow no script at all.
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 360, Height = 780 }, BypassCSP = true });
        var page = await context.NewPageAsync();
        page.Request += (_, r) => Assert.StartsWith(fixture.BaseUrl, r.Url); // nothing from outside
        return page;
    }

    private string Url(string path) => fixture.BaseUrl + path;

    /// <summary>WCAG 2.1 AA by axe-core: no serious or critical violation; and nothing wider than a 360-pixel screen.</summary>
    private static async Task CheckAsync(IPage page)
    {
        var result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"{page.Url}: " + string.Join("; ", bad.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(" | ", v.Nodes.Select(n => n.Html))}")));
        Assert.False(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1"), $"{page.Url} scrolls sideways at 360 px");
    }

    /// <summary>One screenshot per role for the README, taken on the embedded engine's run.</summary>
    private async Task ScreenshotAsync(IPage page, string role)
    {
        if (fixture.Engine != Engine.Sqlite) return;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) dir = dir.Parent;
        if (dir is null) return;
        Directory.CreateDirectory(Path.Combine(dir.FullName, "docs"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir.FullName, "docs", $"portal-{role}.png"), FullPage = true });
    }

    private async Task SignInAsync(IPage page, string login)
    {
        await page.GotoAsync(Url("/app/login"));
        await CheckAsync(page);
        await page.FillAsync("#login", login);
        await page.FillAsync("#password", PortalYard.Password);
        await page.ClickAsync(Submit);
    }

    [SkippableFact]
    public async Task An_owner_activates_signs_in_reads_the_bill_votes_keeps_the_receipt_and_finds_it_in_the_result()
    {
        var page = await PageAsync();
        var y = fixture.Yard;
        await page.GotoAsync(Url("/app/activate"));
        await CheckAsync(page);
        await page.FillAsync("#invitationCode", y.SpareInvitation);
        await page.FillAsync("#login", $"web-{y.Slug}");
        await page.FillAsync("#password", "owner web password");
        await page.ClickAsync(Submit);
        Assert.EndsWith($"/app/{y.Slug}", page.Url);
        await CheckAsync(page);

        // Signing out and in again: the owner's own login now works.
        await page.ClickAsync("form.inline button[type=submit]");
        Assert.EndsWith("/app/login", page.Url);
        await page.FillAsync("#login", $"web-{y.Slug}");
        await page.FillAsync("#password", "owner web password");
        await page.ClickAsync(Submit);
        await page.ClickAsync($"a[href='/app/{y.Slug}/units/{y.Units[2]}']");
        Assert.Contains("¥180.00", await page.InnerTextAsync("main"));
        await CheckAsync(page);
        await ScreenshotAsync(page, "owner");

        await page.GotoAsync(Url($"/app/{y.Slug}"));
        await page.ClickAsync($"a[href='/app/{y.Slug}/motions/{y.MotionId}']");
        await CheckAsync(page);
        await page.CheckAsync("input[name=choice][value=yes]");
        await page.ClickAsync(Submit);
        var receipt = await page.GetAttributeAsync("[data-receipt]", "data-receipt");
        Assert.False(string.IsNullOrEmpty(receipt));
        Assert.Equal(receipt, (await page.InnerTextAsync("[data-receipt]")).Trim());
        await CheckAsync(page);

        fixture.App.Clock.Set(fixture.App.Clock.GetUtcNow().AddDays(3)); // the vote closes
        await page.GotoAsync(Url($"/app/{y.Slug}/motions/{y.MotionId}"));
        await page.FillAsync("#receipt", receipt!);
        await page.ClickAsync(Submit);
        Assert.Equal("found", await page.GetAttributeAsync("[data-check]", "data-check"));
        await CheckAsync(page);
    }

    [SkippableFact]
    public async Task A_supervisor_opens_the_request_sees_the_voucher_image_and_approves()
    {
        var page = await PageAsync();
        var y = fixture.Yard;
        await SignInAsync(page, y.SupervisorLogin);
        await page.ClickAsync($"a[href='/app/{y.Slug}/spending']");
        await CheckAsync(page);
        await page.ClickAsync($"a[href='/app/{y.Slug}/spending/{y.RequestId}']");
        // The voucher image really loads and decodes (it fails the wait otherwise).
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('img.attachment'); return i && i.complete && i.naturalWidth > 0; }",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await CheckAsync(page);
        await page.CheckAsync("input[name=decision][value=approve]");
        await page.FillAsync("#comment", "凭证齐全，同意支付");
        await page.ClickAsync(Submit);
        Assert.Contains("凭证齐全，同意支付", await page.InnerTextAsync("main"));
        Assert.Equal(0, await page.Locator("input[name=decision]").CountAsync()); // decided: no form any more
        await CheckAsync(page);
        await ScreenshotAsync(page, "supervisor");
        var request = await y.Supervisor.GetJsonAsync(y.P($"/spending-requests/{y.RequestId}"));
        Assert.Equal("approved", request["status"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task Staff_record_a_payment_twice_and_it_posts_once()
    {
        var page = await PageAsync();
        var y = fixture.Yard;
        await SignInAsync(page, y.TrusteeLogin);
        await page.ClickAsync($"a[href='/app/{y.Slug}/payments/new']");
        await CheckAsync(page);
        for (var i = 0; i < 2; i++)
        {
            await page.FillAsync("#building", "5栋");
            await page.FillAsync("#number", "201");
            await page.FillAsync("#amount", "360.00");
            await page.SelectOptionAsync("#channel", "bank");
            await page.FillAsync("#externalRef", "BANK-WEB-0001");
            await page.ClickAsync(Submit);
            Assert.Contains("360.00", await page.InnerTextAsync("[role=status]"));
        }
        await CheckAsync(page);
        await ScreenshotAsync(page, "staff");
        var statement = await y.Trustee.GetJsonAsync(y.P($"/units/{y.Units[1]}/statement"));
        var payment = Assert.Single(statement["payments"]!.AsArray())!;
        Assert.Equal(36000, payment["amount"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task Staff_file_a_request_with_an_image_a_supervisor_sees_it_and_approves_and_staff_pay_it_with_a_voucher()
    {
        var staff = await PageAsync();
        var y = fixture.Yard;
        await SignInAsync(staff, y.TrusteeLogin);
        await staff.ClickAsync($"a[href='/app/{y.Slug}/spending/new']");
        await CheckAsync(staff);
        await staff.FillAsync("#payee", "网页维修公司");
        await staff.FillAsync("#amount", "88.80");
        await staff.FillAsync("#account", "6103");
        await staff.FillAsync("#description", "单元门闭门器更换");
        await staff.SetInputFilesAsync("#files", new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = PortalYard.Png });
        await staff.ClickAsync(Submit);
        Assert.Matches($"/app/{y.Slug}/spending/[0-9]+$", staff.Url);
        Assert.Contains("¥88.80", await staff.InnerTextAsync("main"));
        await CheckAsync(staff);
        var requestPath = new Uri(staff.Url).AbsolutePath;
        var id = long.Parse(requestPath[(requestPath.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        var supervisor = await PageAsync();
        await SignInAsync(supervisor, y.SupervisorLogin);
        await supervisor.ClickAsync($"a[href='/app/{y.Slug}/spending']");
        await supervisor.ClickAsync($"a[href='{requestPath}']");
        await supervisor.WaitForFunctionAsync("() => { const i = document.querySelector('img.attachment'); return i && i.complete && i.naturalWidth > 0; }",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await supervisor.CheckAsync("input[name=decision][value=approve]");
        await supervisor.FillAsync("#comment", "价格合理");
        await supervisor.ClickAsync(Submit);
        Assert.Contains("价格合理", await supervisor.InnerTextAsync("main"));

        await staff.GotoAsync(Url(requestPath));
        await CheckAsync(staff);
        await staff.FillAsync("#bankRef", "BANK-WEB-PAY-1");
        await staff.SetInputFilesAsync("#voucher", new FilePayload { Name = "voucher.png", MimeType = "image/png", Buffer = PortalYard.Png });
        await staff.ClickAsync("main form[action*=Pay] button[type=submit]");
        Assert.EndsWith(requestPath, staff.Url);
        Assert.Contains("BANK-WEB-PAY-1", await staff.InnerTextAsync("main"));
        Assert.Equal(0, await staff.Locator("form[action*=Pay]").CountAsync());
        await CheckAsync(staff);
        var request = await y.Trustee.GetJsonAsync(y.P($"/spending-requests/{id}"));
        Assert.Equal("paid", request["status"]!.GetValue<string>());
        Assert.Equal(8880, request["amount"]!.GetValue<long>());
        Assert.NotNull(request["voucher"]);
    }

    [SkippableFact]
    public async Task A_supervisor_leaves_a_remark_on_a_draft_statement()
    {
        var page = await PageAsync();
        var y = fixture.Yard;
        await (await y.Trustee.PostAsync(y.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/months/2026-10/close"), null)).AssertStatus(200);
        await SignInAsync(page, y.SupervisorLogin);
        await page.ClickAsync($"a[href='/app/{y.Slug}/statements']");
        await CheckAsync(page);
        await page.FillAsync("#text-2026-10", "十月凭证已逐笔核对。");
        await page.ClickAsync("#s-2026-10 form[action*=Remark] button[type=submit]");
        Assert.Contains("十月凭证已逐笔核对。", await page.InnerTextAsync("#s-2026-10"));
        await CheckAsync(page);
        var statement = await y.Supervisor.GetJsonAsync(y.P("/statements/2026-10"));
        Assert.Contains(statement["remarks"]!.AsArray(), r => r!["text"]!.GetValue<string>() == "十月凭证已逐笔核对。");
    }

    [SkippableFact]
    public async Task The_community_admin_opens_a_vote_and_watches_it()
    {
        var page = await PageAsync();
        var y = fixture.Yard;
        await SignInAsync(page, y.AdminLogin);
        await page.ClickAsync($"a[href='/app/{y.Slug}/motions/new']");
        await CheckAsync(page);
        await page.SelectOptionAsync("#kind", "other");
        await page.FillAsync("#title", "增设快递柜");
        await page.FillAsync("#body", "在南门增设快递柜一组。");
        await page.ClickAsync(Submit); // the suggested times respect the notice period
        Assert.Matches($"/app/{y.Slug}/motions/[0-9]+$", page.Url);
        Assert.Contains("增设快递柜", await page.InnerTextAsync("main"));
        await CheckAsync(page);
        await ScreenshotAsync(page, "admin");
        var motions = (await y.Admin.GetJsonAsync(y.P("/motions")))["items"]!.AsArray();
        Assert.Single(motions, m => m!["title"]!.GetValue<string>() == "增设快递柜");
    }

    [SkippableFact]
    public async Task An_owner_rates_an_answer_as_unsatisfied_and_the_supervisor_records_a_finding()
    {
        var owner = await PageAsync();
        var y = fixture.Yard;
        await SignInAsync(owner, y.OwnerLogins[1]);
        await owner.GotoAsync(Url($"/app/{y.Slug}/queries"));
        await owner.SelectOptionAsync("#subject", "spendingRequest");
        await owner.FillAsync("#subjectId", (await y.DecidedRequestAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await owner.FillAsync("#question", "这家保洁公司是怎么选的？");
        await owner.ClickAsync(Submit);
        var query = (await y.Trustee.GetJsonAsync(y.P("/queries")))["items"]!.AsArray().Single(q => q!["question"]!.GetValue<string>() == "这家保洁公司是怎么选的？")!;
        var id = query["id"]!.GetValue<long>();
        await (await y.Trustee.PostAsync(y.P($"/queries/{id}/answer"), new { answer = "沿用去年的合同。" })).AssertStatus(200);

        await owner.ReloadAsync();
        await CheckAsync(owner);
        await owner.CheckAsync($"#query-{id} input[name=satisfied][value=false]");
        await owner.FillAsync($"#comment-{id}", "没有比较其他报价");
        await owner.ClickAsync($"#query-{id} form[action*=Rate] button[type=submit]");
        Assert.Contains("没有比较其他报价", await owner.InnerTextAsync($"#query-{id}"));
        await CheckAsync(owner);

        var supervisor = await PageAsync();
        await SignInAsync(supervisor, y.SupervisorLogin);
        await supervisor.GotoAsync(Url($"/app/{y.Slug}/queries"));
        await CheckAsync(supervisor);
        await supervisor.CheckAsync($"#query-{id} input[name=upheld][value=true]");
        await supervisor.FillAsync($"#finding-{id}", "须补充比价。");
        await supervisor.ClickAsync($"#query-{id} form[action*=Finding] button[type=submit]");
        Assert.Contains("须补充比价。", await supervisor.InnerTextAsync($"#query-{id}"));
        await CheckAsync(supervisor);
        var closed = (await y.Trustee.GetJsonAsync(y.P("/queries")))["items"]!.AsArray().Single(q => q!["id"]!.GetValue<long>() == id)!;
        Assert.Equal("closed", closed["status"]!.GetValue<string>());
    }
}

public sealed class SqlitePortalBrowserTests(SqlitePortalBrowserFixture fixture) : PortalBrowserTests(fixture), IClassFixture<SqlitePortalBrowserFixture>;

public sealed class PostgresPortalBrowserTests(PostgresPortalBrowserFixture fixture) : PortalBrowserTests(fixture), IClassFixture<PostgresPortalBrowserFixture>;
