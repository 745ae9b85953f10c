using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Tests.Infrastructure;

/// <summary>
/// A community with two months of real activity through the API — bills, payments, public revenue,
/// a voted budget, a payment to a payee named like a script, remuneration — September closed and
/// published, October closed with the supervisor's remark and published.
/// </summary>
public sealed record DisclosureYard(string Slug, ApiClient Admin, ApiClient Trustee, ApiClient Supervisor, List<ApiClient> Owners, long[] Units)
{
    public const string HostilePayee = "<script>alert(1)</script>";

    /// <summary>The committee's site that may frame the embed page (*.localhost is loopback to a browser, like the service).</summary>
    public const string EmbedOrigin = "http://sq.localhost";
    public static readonly DateTimeOffset Now = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);

    public string P(string path) => $"/api/v1/communities/{Slug}{path}";
    public string Public(string path = "") => $"/p/{Slug}{path}";

    public static async Task<DisclosureYard> BuildAsync(LedgerApp app, bool publish = true, string payee = HostilePayee)
    {
        app.Clock.Set(Now);
        var slug = await app.CommunityAsync("2026-09");
        string P(string path) => $"/api/v1/communities/{slug}{path}";
        var admin = await app.UserAsync(slug, "community_admin", "committee");
        var trustee = await app.UserAsync(slug, "trustee", "trustee_manager");
        var supervisor = await app.UserAsync(slug, "supervisor");
        var terms = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Api.FeesApiTests.TrustTermsJson()))!.AsObject();
        terms["embedOrigins"] = new JsonArray(EmbedOrigin);
        await (await admin.PutAsync(P("/trust-terms"), terms)).AssertStatus(200);

        var owners = new List<ApiClient>();
        var units = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var unit = (await (await admin.PostAsync(P("/units"), new { building = "3栋", number = $"{i + 1}01", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
            var owner = (await (await admin.PostAsync(P("/owners"), new { name = $"业主{i}", kind = "person", unitIds = new[] { unit } })).AssertStatus(201))["id"]!.GetValue<long>();
            var code = (await (await admin.PostAsync(P($"/owners/{owner}/invitations"), null)).AssertStatus(201))["code"]!.GetValue<string>();
            await (await app.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login = $"d{i}-{slug}", password = "owner password 1" })).AssertStatus(201);
            owners.Add(await app.LoginAsync($"d{i}-{slug}", "owner password 1"));
            units.Add(unit);
        }
        // The budget of 2026, voted in by the owners.
        var budget = (await (await trustee.PostAsync(P("/budgets"), new
        {
            fiscalYear = 2026, lines = new[] { new { account = "6103", amount = 2_000_000L, note = "保洁" }, new { account = "6201", amount = 500_000L, note = "酬金" } },
            income = new[] { new { account = "5101", amount = 1_000_000L, note = "" } },
        })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await trustee.PostAsync(P($"/budgets/{budget}/publish"), null)).AssertStatus(200);
        var opens = Now.AddDays(15); // the default notice
        var motion = (await (await admin.PostAsync(P("/motions"), new { kind = "budget_adoption", subjectId = budget, title = "2026年度预算", body = "表决", opensAt = opens, closesAt = opens.AddDays(1) })).AssertStatus(201))["id"]!.GetValue<long>();
        app.Clock.Set(opens);
        foreach (var owner in owners) await (await owner.PostAsync(P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201);
        app.Clock.Set(opens.AddDays(1));
        await (await admin.GetAsync(P($"/motions/{motion}"))).AssertStatus(200);
        await ActivatorUtilities.CreateInstance<Ledger.Jobs.MotionDeadlinesJob>(app.Services).RunAsync(); // the job puts the budget in force
        app.Clock.Set(Now);

        await (await trustee.PutAsync(P("/fee-schedule"), new { effectiveFrom = "2026-09", rates = new { residential = "1.80" } })).AssertStatus(200);
        foreach (var month in new[] { "2026-09", "2026-10" }) await (await trustee.PostAsync(P("/billing-runs"), new { month })).AssertStatus(201);
        async Task Pay(long unit, long amount, string date, string reference) =>
            await (await trustee.PostAsync(P("/payments"), new { unitId = unit, amount, paidAt = date, channel = "bank", externalRef = reference })).AssertStatus(201);
        await Pay(units[0], 18_000, "2026-09-12", "S-1");
        await Pay(units[1], 18_000, "2026-09-20", "S-2");
        await Pay(units[0], 18_000, "2026-10-08", "O-1");
        await (await trustee.PostAsync(P("/receipts"), new { source = "parking", amount = 500_000, receivedAt = "2026-09-10", payer = "停车公司", memo = "九月停车费", externalRef = "PK-9" })).AssertStatus(201);
        await (await trustee.PostAsync(P("/receipts"), new { source = "advertising", amount = 120_000, receivedAt = "2026-10-05", payer = "传媒公司", memo = "十月广告", externalRef = "AD-10" })).AssertStatus(201);
        // October's spending is filed, approved and paid in October: a payment is never dated before its approval.
        app.Clock.Set(new DateTimeOffset(2026, 10, 20, 2, 0, 0, TimeSpan.Zero));
        var request = (await (await trustee.PostAsync(P("/spending-requests"), new
        {
            payee, amount = 150_000L, account = "6103", description = "十月保洁 <b>加急</b>", attachments = Array.Empty<string>(),
        })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await supervisor.PostAsync(P($"/spending-requests/{request}/decisions"), new { decision = "approve", comment = "同意" })).AssertStatus(200);
        await (await trustee.PostAsync(P($"/spending-requests/{request}/payment"), new { paidAt = "2026-10-20", bankRef = "BK-1" })).AssertStatus(201);
        app.Clock.Set(Now);
        foreach (var month in new[] { "2026-09", "2026-10" })
            await (await trustee.PostAsync(P("/remuneration-accruals"), new { month })).AssertStatus(200);

        await (await trustee.PostAsync(P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await trustee.PostAsync(P("/months/2026-10/close"), null)).AssertStatus(200);
        await (await supervisor.PostAsync(P("/statements/2026-10/remarks"), new { text = "已核对十月全部支出凭证。<i>无异常</i>" })).AssertStatus(201);
        if (publish)
        {
            await (await admin.PostAsync(P("/statements/2026-09/publish"), null)).AssertStatus(200);
            await (await admin.PostAsync(P("/statements/2026-10/publish"), null)).AssertStatus(200);
            await (await admin.PostAsync(P("/statements/2026-Q3/publish"), null)).AssertStatus(200);
        }
        return new DisclosureYard(slug, admin, trustee, supervisor, owners, units.ToArray());
    }
}
