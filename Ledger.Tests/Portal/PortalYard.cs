using Ledger.Tests.Api;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Portal;

/// <summary>
/// A community for the portal, built through the API: trust terms, money in the bank, three units
/// with November's bills, two activated owners (the third's invitation kept for the portal), an
/// adopted 2026 budget, a pending spending request with a PNG voucher, and an open vote.
/// </summary>
public sealed record PortalYard(string Slug, ApiClient Admin, ApiClient Trustee, ApiClient Supervisor, string[] OwnerLogins,
    long[] Units, string SpareInvitation, long RequestId, string VoucherSha, long MotionId, long BudgetId)
{
    public const string Password = "portal password 1";
    public static readonly DateTimeOffset Now = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    public string AdminLogin => $"adm-{Slug}";
    public string TrusteeLogin => $"trs-{Slug}";
    public string SupervisorLogin => $"sup-{Slug}";
    public string P(string path) => $"/api/v1/communities/{Slug}{path}";
    public string A(string path = "") => $"/app/{Slug}{path}";

    /// <summary>A 1×1 PNG: the voucher a supervisor sees inline.</summary>
    public static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    public static async Task<PortalYard> BuildAsync(LedgerApp app)
    {
        app.Clock.Set(Now);
        var slug = await app.CommunityAsync("2026-09");
        string P(string path) => $"/api/v1/communities/{slug}{path}";
        var root = await app.AdminAsync();
        async Task<ApiClient> User(string login, params string[] roles)
        {
            var id = (await (await root.PostAsync("/api/v1/users", new { login, displayName = "职员 " + login, password = Password })).AssertStatus(201))["id"]!.GetValue<long>();
            await (await root.PutAsync(P($"/members/{id}"), new { roles })).AssertStatus(200);
            return await app.LoginAsync(login, Password);
        }
        var admin = await User($"adm-{slug}", "community_admin", "committee");
        var trustee = await User($"trs-{slug}", "trustee", "trustee_manager");
        var supervisor = await User($"sup-{slug}", "supervisor");
        await (await admin.PutAsync(P("/trust-terms"), FeesApiTests.TrustTermsJson())).AssertStatus(200);
        await (await trustee.PostAsync(P("/receipts"), new { source = "advertising", amount = 10_000_000, receivedAt = "2026-11-01", payer = "广告公司", memo = "年度广告费", externalRef = "AD-2026" })).AssertStatus(201);

        var units = new List<long>();
        var logins = new List<string>();
        var owners = new List<ApiClient>();
        var spare = "";
        for (var i = 0; i < 3; i++)
        {
            var unit = (await (await admin.PostAsync(P("/units"), new { building = "5栋", number = $"{i + 1}01", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
            var owner = (await (await admin.PostAsync(P("/owners"), new { name = $"业主{i}", kind = "person", unitIds = new[] { unit } })).AssertStatus(201))["id"]!.GetValue<long>();
            var code = (await (await admin.PostAsync(P($"/owners/{owner}/invitations"), null)).AssertStatus(201))["code"]!.GetValue<string>();
            units.Add(unit);
            if (i == 2) { spare = code; continue; }
            var login = $"own{i}-{slug}";
            await (await app.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login, password = Password })).AssertStatus(201);
            logins.Add(login);
            owners.Add(await app.LoginAsync(login, Password));
        }
        await (await trustee.PutAsync(P("/fee-schedule"), new { effectiveFrom = "2026-09", rates = new { residential = "1.80" } })).AssertStatus(200);
        await (await trustee.PostAsync(P("/billing-runs"), new { month = "2026-11" })).AssertStatus(201);

        var budget = (await (await trustee.PostAsync(P("/budgets"), new
        {
            fiscalYear = 2026, lines = new[] { new { account = "6103", amount = 3_000_000L, note = "保洁" }, new { account = "6201", amount = 2_000_000L, note = "酬金" } },
        })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await trustee.PostAsync(P($"/budgets/{budget}/publish"), null)).AssertStatus(200);
        // Votes are announced the default 15 days before they open: both motions were announced earlier and open now.
        app.Clock.Set(Now.AddDays(-15));
        var adoption = (await (await admin.PostAsync(P("/motions"), new { kind = "budget_adoption", subjectId = budget, title = "2026年度预算", body = "请表决", opensAt = Now, closesAt = Now.AddHours(1) })).AssertStatus(201))["id"]!.GetValue<long>();
        var motion = (await (await admin.PostAsync(P("/motions"), new { kind = "other", title = "增设电动车充电桩", body = "在3号楼旁增设充电桩。", opensAt = Now.AddHours(1), closesAt = Now.AddHours(1).AddDays(2) })).AssertStatus(201))["id"]!.GetValue<long>();
        app.Clock.Set(Now);
        foreach (var owner in owners) await (await owner.PostAsync(P($"/motions/{adoption}/ballots"), new { choice = "yes" })).AssertStatus(201);
        app.Clock.Set(Now.AddHours(1));
        Assert.True((await admin.GetJsonAsync(P($"/motions/{adoption}")))["result"]!["passed"]!.GetValue<bool>());

        using var upload = new MultipartFormDataContent { { new ByteArrayContent(Png), "file", "voucher.png" } };
        var sha = (await (await trustee.Http.PostAsync(P("/attachments"), upload)).AssertStatus(201))["sha256"]!.GetValue<string>();
        var request = (await (await trustee.PostAsync(P("/spending-requests"), new
        {
            payee = "某某保洁公司", amount = 150_000L, account = "6103", description = "十一月保洁服务", attachments = new[] { sha },
        })).AssertStatus(201))["id"]!.GetValue<long>();
        return new PortalYard(slug, admin, trustee, supervisor, [.. logins], [.. units], spare, request, sha, motion, budget);
    }

    /// <summary>
    /// A new spending request the supervisor has rejected: decided, so public and an owner's to ask about
    /// (<see cref="RequestId"/> stays pending, and an owner's query about it answers as one about no request).
    /// </summary>
    public async Task<long> DecidedRequestAsync()
    {
        var id = (await (await Trustee.PostAsync(P("/spending-requests"), new
        {
            payee = "某某绿化公司", amount = 20_000L, account = "6103", description = "补种草坪", attachments = Array.Empty<string>(),
        })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await Supervisor.PostAsync(P($"/spending-requests/{id}/decisions"), new { decision = "reject", comment = "先比价" })).AssertStatus(200);
        return id;
    }
}
