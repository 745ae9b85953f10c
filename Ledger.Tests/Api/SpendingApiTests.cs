using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Jobs;
using Ledger.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Tests.Api;

/// <summary>Spending under supervision, through the API, on each engine.</summary>
public abstract class SpendingApiTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);

    private sealed record Yard(string Slug, ApiClient Admin, ApiClient Trustee, ApiClient Supervisor, ApiClient Supervisor2, ApiClient Committee,
        List<ApiClient> Owners, long BudgetId)
    {
        public string P(string path) => $"/api/v1/communities/{Slug}{path}";
    }

    /// <summary>Trust terms (one supervisor up to 2,000 yuan, plus committee up to 50,000), an adopted 2026 budget, and 100,000 yuan in the bank.</summary>
    private async Task<Yard> YardAsync(bool withBudget = true)
    {
        App.Clock.Set(Start);
        var slug = await App.CommunityAsync("2026-01");
        var admin = await App.UserAsync(slug, "community_admin", "committee");
        var trustee = await App.UserAsync(slug, "trustee", "trustee_manager");
        var supervisor = await App.UserAsync(slug, "supervisor");
        var supervisor2 = await App.UserAsync(slug, "supervisor");
        var committee = await App.UserAsync(slug, "committee");
        string P(string path) => $"/api/v1/communities/{slug}{path}";
        await (await admin.PutAsync(P("/trust-terms"), FeesApiTests.TrustTermsJson())).AssertStatus(200);
        await (await trustee.PostAsync(P("/receipts"), new { source = "advertising", amount = 10_000_000, receivedAt = "2026-11-01", payer = "广告公司", memo = "年度广告费", externalRef = "AD-2026" })).AssertStatus(201);

        var owners = new List<ApiClient>();
        for (var i = 0; i < 3; i++)
        {
            var unit = (await (await admin.PostAsync(P("/units"), new { building = "8栋", number = $"{i + 1}", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
            var owner = (await (await admin.PostAsync(P("/owners"), new { name = $"业主{i}", kind = "person", unitIds = new[] { unit } })).AssertStatus(201))["id"]!.GetValue<long>();
            var code = (await (await admin.PostAsync(P($"/owners/{owner}/invitations"), null)).AssertStatus(201))["code"]!.GetValue<string>();
            await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login = $"sp{i}-{slug}", password = "owner password 1" })).AssertStatus(201);
            owners.Add(await App.LoginAsync($"sp{i}-{slug}", "owner password 1"));
        }
        long budgetId = 0;
        if (withBudget)
        {
            budgetId = (await (await trustee.PostAsync(P("/budgets"), new
            {
                fiscalYear = 2026,
                lines = new[] { new { account = "6103", amount = 3_000_000L, note = "保洁" }, new { account = "6102", amount = 10_000_000L, note = "维修" }, new { account = "6201", amount = 2_000_000L, note = "酬金" } },
            })).AssertStatus(201))["id"]!.GetValue<long>();
            await (await trustee.PostAsync(P($"/budgets/{budgetId}/publish"), null)).AssertStatus(200);
            await PassMotionAsync(admin, owners, P, "budget_adoption", budgetId);
        }
        return new Yard(slug, admin, trustee, supervisor, supervisor2, committee, owners, budgetId);
    }

    /// <summary>Passes a motion about <paramref name="subject"/>; the clock goes back to where it was unless <paramref name="rewind"/> is false
    /// (a payment after a spending vote comes after the vote's close).</summary>
    private async Task PassMotionAsync(ApiClient admin, List<ApiClient> owners, Func<string, string> P, string kind, long subject, bool rewind = true)
    {
        var now = App.Clock.GetUtcNow();
        var opens = now.AddDays(15); // the default notice
        var motion = (await (await admin.PostAsync(P("/motions"), new { kind, subjectId = subject, title = "表决", body = "请表决", opensAt = opens, closesAt = opens.AddDays(1) })).AssertStatus(201))["id"]!.GetValue<long>();
        App.Clock.Set(opens);
        foreach (var owner in owners) await (await owner.PostAsync(P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201);
        App.Clock.Set(opens.AddDays(1));
        Assert.True((await admin.GetJsonAsync(P($"/motions/{motion}")))["result"]!["passed"]!.GetValue<bool>());
        await ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services).RunAsync(); // the job persists the close and its effect
        if (rewind) App.Clock.Set(now);
    }

    private static async Task<long> FileAsync(Yard y, long amount, string account = "6103", ApiClient? who = null) =>
        (await (await (who ?? y.Trustee).PostAsync(y.P("/spending-requests"), new
        {
            payee = "某某保洁公司", amount, account, description = "十一月保洁服务", attachments = Array.Empty<string>(),
        })).AssertStatus(201))["id"]!.GetValue<long>();

    private static Task<HttpResponseMessage> Decide(Yard y, ApiClient who, long id, string decision = "approve") =>
        who.PostAsync(y.P($"/spending-requests/{id}/decisions"), new { decision, comment = decision == "reject" ? "报价过高" : "同意" });

    private static Task<HttpResponseMessage> Pay(Yard y, long id, string bankRef = "BK-1", string? voucher = null, string paidAt = "2026-11-21") =>
        y.Trustee.PostAsync(y.P($"/spending-requests/{id}/payment"), new { paidAt, bankRef, voucher });

    /// <summary>October billed at 1.80 yuan per m² and 18,000 fen of it collected on 2026-10-15.</summary>
    private static async Task CollectOctoberFeesAsync(Yard y)
    {
        var unit = (await y.Admin.GetJsonAsync(y.P("/units")))["items"]![0]!["id"]!.GetValue<long>();
        await (await y.Trustee.PutAsync(y.P("/fee-schedule"), new { effectiveFrom = "2026-10", rates = new { residential = "1.80" } })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/billing-runs"), new { month = "2026-10" })).AssertStatus(201);
        await (await y.Trustee.PostAsync(y.P("/payments"), new { unitId = unit, amount = 18_000, paidAt = "2026-10-15", channel = "bank", externalRef = "F-1" })).AssertStatus(201);
    }

    private static async Task<JsonObject> LineAsync(Yard y, string account) =>
        (await y.Owners[0].GetJsonAsync(y.P($"/budgets/{y.BudgetId}/execution")))["lines"]!.AsArray().Single(l => l!["account"]!.GetValue<string>() == account)!.AsObject();

    private static async Task<long> HeadAsync(Yard y) => (await y.Supervisor.GetJsonAsync(y.P("/integrity")))["seq"]!.GetValue<long>();

    [SkippableFact]
    public async Task A_small_request_is_approved_by_one_supervisor_and_paid_once()
    {
        var y = await YardAsync();
        var id = await FileAsync(y, 150_000);
        Assert.Equal(150_000, (await LineAsync(y, "6103"))["reserved"]!.GetValue<long>());
        var approved = await (await Decide(y, y.Supervisor, id)).AssertStatus(200);
        Assert.Equal("approved", approved["status"]!.GetValue<string>());

        var paid = await (await Pay(y, id)).AssertStatus(201);
        Assert.Equal("paid", paid["status"]!.GetValue<string>());
        var entry = await y.Supervisor.GetJsonAsync(y.P($"/entries/{paid["paidSeq"]}"));
        Assert.Equal("6103", entry["lines"]![0]!["account"]!.GetValue<string>());
        Assert.Equal("1002", entry["lines"]![1]!["account"]!.GetValue<string>());
        Assert.Contains($"#{id}", entry["memo"]!.GetValue<string>());

        var replay = await Pay(y, id);
        Assert.Equal(201, (int)replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotency-Replayed").Single());
        await (await Pay(y, id, "BK-2")).AssertProblem(409, Codes.AlreadyPaid);
        // One bank debit explains one cash-out: another request cannot be paid under the same reference.
        // (Its description is two paragraphs: line breaks belong in multi-line text, once refused as control characters.)
        var second = (await (await y.Trustee.PostAsync(y.P("/spending-requests"), new
        {
            payee = "某某保洁公司", amount = 50_000L, account = "6103", description = "十二月保洁服务\r\n含外墙清洗", attachments = Array.Empty<string>(),
        })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await y.Trustee.PostAsync(y.P("/spending-requests"), new
        {
            payee = "某某保洁\n公司", amount = 50_000L, account = "6103", description = "x", attachments = Array.Empty<string>(),
        })).AssertProblem(400, Codes.ValidationFailed);
        await (await Decide(y, y.Supervisor, second)).AssertStatus(200);
        var head = await HeadAsync(y);
        await (await Pay(y, second)).AssertProblem(409, Codes.ExternalRefUsed);
        Assert.Equal(head, await HeadAsync(y));
        await (await Pay(y, second, "BK-3")).AssertStatus(201);
        var line = await LineAsync(y, "6103");
        Assert.Equal((0L, 200_000L, 2_800_000L), (line["reserved"]!.GetValue<long>(), line["spent"]!.GetValue<long>(), line["left"]!.GetValue<long>()));
        Assert.True((await y.Supervisor.GetJsonAsync(y.P("/integrity")))["ok"]!.GetValue<bool>());
    }

    [SkippableFact]
    public async Task Nobody_approves_their_own_request_or_decides_twice()
    {
        var y = await YardAsync(withBudget: false);
        var both = await App.UserAsync(y.Slug, "trustee", "supervisor");
        var own = await FileAsync(y, 100_000, who: both);
        await (await Decide(y, both, own)).AssertProblem(403, Codes.SelfApproval);

        var id = await FileAsync(y, 300_000); // between the thresholds: a supervisor and a committee member
        await (await Decide(y, y.Supervisor, id)).AssertStatus(200);
        await (await Decide(y, y.Supervisor, id)).AssertProblem(409, Codes.AlreadyDecided);
        Assert.Equal("pending", (await y.Supervisor.GetJsonAsync(y.P($"/spending-requests/{id}")))["status"]!.GetValue<string>());
        await (await Decide(y, y.Supervisor2, id)).AssertStatus(200); // a second supervisor is not a committee member
        Assert.Equal("pending", (await y.Supervisor.GetJsonAsync(y.P($"/spending-requests/{id}")))["status"]!.GetValue<string>());
        var approved = await (await Decide(y, y.Committee, id)).AssertStatus(200);
        Assert.Equal("approved", approved["status"]!.GetValue<string>());
        await (await Decide(y, y.Admin, id)).AssertProblem(409, Codes.RequestNotPending);
        await (await y.Trustee.PostAsync(y.P($"/spending-requests/{id}/decisions"), new { decision = "approve", comment = "" })).AssertProblem(403, Codes.Forbidden);
    }

    [SkippableFact]
    public async Task An_owner_may_ask_about_a_pending_request_put_to_the_owners_vote()
    {
        var y = await YardAsync();
        var requestId = (await (await y.Trustee.PostAsync(y.P("/spending-requests"), new
        {
            payee = "电梯公司", amount = 6_000_000L, account = "6102", description = "更换电梯主板", attachments = Array.Empty<string>(),
        })).AssertStatus(201))["id"]!.GetValue<long>();
        var opens = App.Clock.GetUtcNow().AddDays(15);
        await (await y.Admin.PostAsync(y.P("/motions"), new { kind = "spending", subjectId = requestId, title = "表决", body = "请表决", opensAt = opens, closesAt = opens.AddDays(1) })).AssertStatus(201);
        // Every member reads the motion, and the request it names; the owner asked to vote may ask the trustee about it.
        Assert.Contains((await y.Owners[0].GetJsonAsync(y.P("/motions")))["items"]!.AsArray(), m => m!["subjectId"]?.GetValue<long>() == requestId);
        await (await y.Owners[0].PostAsync(y.P("/queries"), new { subject = "spendingRequest", subjectId = requestId, question = "报价有几家？" })).AssertStatus(201);
    }

    [SkippableFact]
    public async Task A_request_over_the_committee_threshold_is_paid_only_after_its_motion_passes()
    {
        var y = await YardAsync();
        var id = await (await y.Trustee.PostAsync(y.P("/spending-requests"), new
        {
            payee = "电梯公司", amount = 6_000_000L, account = "6102", description = "更换电梯主板", attachments = Array.Empty<string>(),
        })).AssertStatus(201);
        Assert.True(id["needsVote"]!.GetValue<bool>());
        Assert.Equal("above_committee_threshold", id["voteReason"]!.GetValue<string>());
        var requestId = id["id"]!.GetValue<long>();
        await (await Decide(y, y.Supervisor, requestId)).AssertStatus(200);
        await (await Decide(y, y.Committee, requestId)).AssertStatus(200);
        await (await Pay(y, requestId)).AssertProblem(422, Codes.NotApproved);

        await PassMotionAsync(y.Admin, y.Owners, y.P, "spending", requestId, rewind: false); // the vote closes on 2026-12-07
        await (await Pay(y, requestId, "BK-9")).AssertProblem(422, Codes.PaidBeforeApproval); // dated 2026-11-21, before the vote
        await (await Pay(y, requestId, "BK-9", paidAt: "2026-12-07")).AssertStatus(201);
    }

    [SkippableFact]
    public async Task A_spending_payment_shares_its_bank_reference_with_no_receipt_or_fee_payment()
    {
        var y = await YardAsync();
        var id = await FileAsync(y, 150_000);
        await (await Decide(y, y.Supervisor, id)).AssertStatus(200);
        var head = await HeadAsync(y);
        await (await Pay(y, id, "AD-2026")).AssertProblem(409, Codes.ExternalRefUsed); // the yard's advertising receipt
        Assert.Equal(head, await HeadAsync(y));
        await (await Pay(y, id, "BK-OUT")).AssertStatus(201);
        head = await HeadAsync(y);
        await (await y.Trustee.PostAsync(y.P("/receipts"), new { source = "other", amount = 150_000, receivedAt = "2026-11-21", payer = "某某保洁公司", memo = "退款", externalRef = "BK-OUT" }))
            .AssertProblem(409, Codes.ExternalRefUsed);
        var unit = (await (await y.Admin.PostAsync(y.P("/units"), new { building = "9栋", number = "1", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await y.Trustee.PostAsync(y.P("/payments"), new { unitId = unit, amount = 150_000, paidAt = "2026-11-21", channel = "bank", externalRef = "BK-OUT" }))
            .AssertProblem(409, Codes.ExternalRefUsed);
        Assert.Equal(head, await HeadAsync(y));
        var replay = await Pay(y, id, "BK-OUT");
        Assert.Equal(201, (int)replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotency-Replayed").Single());
    }

    [SkippableFact]
    public async Task A_payment_dated_before_the_final_approval_is_refused_and_changes_nothing()
    {
        var y = await YardAsync();
        var id = await FileAsync(y, 300_000); // a supervisor and a committee member
        App.Clock.Set(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero));
        await (await Decide(y, y.Supervisor, id)).AssertStatus(200);
        // The final approval at 01:00 on 2026-12-01 in Shanghai, still 2026-11-30 in UTC: the community's day counts.
        App.Clock.Set(new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.Zero));
        await (await Decide(y, y.Committee, id)).AssertStatus(200);
        var head = await HeadAsync(y);
        foreach (var paidAt in new[] { "2026-11-15", "2026-11-25", "2026-11-30", "2026-11-30T23:59:00+08:00" })
            await (await Pay(y, id, "BK-EARLY", paidAt: paidAt)).AssertProblem(422, Codes.PaidBeforeApproval);
        Assert.Equal(head, await HeadAsync(y));
        Assert.Equal("approved", (await y.Supervisor.GetJsonAsync(y.P($"/spending-requests/{id}")))["status"]!.GetValue<string>());
        var paid = await (await Pay(y, id, "BK-EARLY", paidAt: "2026-12-01")).AssertStatus(201);
        Assert.Equal("2026-12-01", paid["paidOn"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task Paying_more_than_the_bank_holds_is_refused_and_changes_nothing()
    {
        var y = await YardAsync(withBudget: false);
        var id = await FileAsync(y, 12_000_000, "6102");
        await (await Decide(y, y.Supervisor, id)).AssertStatus(200);
        await (await Decide(y, y.Committee, id)).AssertStatus(200);
        await PassMotionAsync(y.Admin, y.Owners, y.P, "spending", id, rewind: false); // no budget in force: a vote is needed too
        var head = await HeadAsync(y);
        await (await Pay(y, id, paidAt: "2026-12-07")).AssertProblem(422, Codes.InsufficientFunds);
        Assert.Equal(head, await HeadAsync(y));
        Assert.Equal("approved", (await y.Supervisor.GetJsonAsync(y.P($"/spending-requests/{id}")))["status"]!.GetValue<string>());
        var bank = (await y.Supervisor.GetJsonAsync(y.P("/accounts")))["items"]!.AsArray().Single(a => a!["code"]!.GetValue<string>() == "1002")!;
        Assert.Equal(10_000_000, bank["balance"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task Expiry_rejection_and_cancellation_release_the_reservation()
    {
        var y = await YardAsync();
        var expiring = await FileAsync(y, 100_000);
        var rejected = await FileAsync(y, 200_000);
        var cancelled = await FileAsync(y, 300_000);
        Assert.Equal(600_000, (await LineAsync(y, "6103"))["reserved"]!.GetValue<long>());
        await (await Decide(y, y.Supervisor, rejected, "reject")).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P($"/spending-requests/{cancelled}/cancel"), null)).AssertStatus(200);
        Assert.Equal(100_000, (await LineAsync(y, "6103"))["reserved"]!.GetValue<long>());

        App.Clock.Set(Start.AddDays(31));
        await ActivatorUtilities.CreateInstance<SpendingExpiryJob>(App.Services).RunAsync();
        Assert.Equal(0, (await LineAsync(y, "6103"))["reserved"]!.GetValue<long>());
        Assert.Equal("expired", (await y.Supervisor.GetJsonAsync(y.P($"/spending-requests/{expiring}")))["status"]!.GetValue<string>());
        await (await Decide(y, y.Supervisor, expiring)).AssertProblem(409, Codes.RequestNotPending);
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task Two_requests_racing_for_a_line_with_room_for_one_leave_one_within_the_budget()
    {
        var y = await YardAsync();
        var filings = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => y.Trustee.PostAsync(y.P("/spending-requests"), new
        {
            payee = "保洁公司", amount = 2_000_000L, account = "6103", description = "半年保洁", attachments = Array.Empty<string>(),
        })));
        var bodies = new List<JsonObject>();
        foreach (var f in filings) bodies.Add(await f.AssertStatus(201));
        Assert.Single(bodies, b => !b["needsVote"]!.GetValue<bool>());
        Assert.Single(bodies, b => b["voteReason"]?.GetValue<string>() == "beyond_budget_line");
        var withinBudget = bodies.Single(b => !b["needsVote"]!.GetValue<bool>())["id"]!.GetValue<long>();
        var beyond = bodies.Single(b => b["needsVote"]!.GetValue<bool>())["id"]!.GetValue<long>();

        // Two approvals racing on each: the decisions serialise; each request is approved exactly once.
        foreach (var id in new[] { withinBudget, beyond })
        {
            var racing = await Task.WhenAll(Decide(y, y.Supervisor, id), Decide(y, y.Committee, id));
            Assert.All(racing, r => Assert.Equal(200, (int)r.StatusCode));
        }
        await (await Pay(y, withinBudget)).AssertStatus(201);
        await (await Pay(y, beyond, "BK-2")).AssertProblem(422, Codes.NotApproved);
        var line = await LineAsync(y, "6103");
        Assert.Equal(2_000_000, line["spent"]!.GetValue<long>());
        Assert.Equal(2_000_000, line["reserved"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task Remuneration_is_accrued_once_per_month_and_paid_through_a_request()
    {
        var y = await YardAsync();
        await CollectOctoberFeesAsync(y);

        var job = ActivatorUtilities.CreateInstance<RemunerationAccrualJob>(App.Services);
        await Task.WhenAll(job.RunAsync(), job.RunAsync());
        await job.RunAsync();
        var accrual = await (await y.Trustee.PostAsync(y.P("/remuneration-accruals"), new { month = "2026-10" })).AssertStatus(200);
        Assert.Equal(1_800, accrual["amount"]!.GetValue<long>()); // 10% of 18,000 fen collected in October
        Assert.False(accrual["created"]!.GetValue<bool>());
        var entries = (await y.Supervisor.GetJsonAsync(y.P("/entries?account=6201")))["items"]!.AsArray();
        Assert.Single(entries);

        await (await y.Trustee.PostAsync(y.P("/spending-requests"), new { payee = "某某物业", amount = 1_801L, account = "2211", description = "十月酬金", attachments = Array.Empty<string>() }))
            .AssertProblem(422, Codes.ExceedsPayable);
        var request = await FileAsync(y, 1_800, "2211");
        await (await Decide(y, y.Supervisor, request)).AssertStatus(200);
        var paid = await (await Pay(y, request)).AssertStatus(201);
        var entry = await y.Supervisor.GetJsonAsync(y.P($"/entries/{paid["paidSeq"]}"));
        Assert.Equal("2211", entry["lines"]![0]!["account"]!.GetValue<string>());

        // Its public page says the payment reserves no budget (the accrual was the expense), not that it is outside the budget.
        var page = await App.Anonymous().Http.GetStringAsync($"/p/{y.Slug}/spending/{request}");
        Assert.Contains("不占用预算（支付已计提的酬金）", page);
        Assert.DoesNotContain("不在预算内", page);
        Assert.Contains("Reserves no budget (pays remuneration already accrued)", await App.Anonymous().Http.GetStringAsync($"/p/{y.Slug}/spending/{request}?lang=en"));
    }

    [SkippableFact]
    public async Task A_month_closed_by_hand_before_the_accrual_job_keeps_its_remuneration()
    {
        var y = await YardAsync();
        await CollectOctoberFeesAsync(y);

        // No accrual job has run: the manager closes the months by hand, October last.
        for (var m = new DateOnly(2026, 1, 1); m.Month <= 10; m = m.AddMonths(1))
            await (await y.Trustee.PostAsync(y.P($"/months/{m:yyyy-MM}/close"), null)).AssertStatus(200);
        var statement = await y.Supervisor.GetJsonAsync(y.P("/statements/2026-10"));
        Assert.Equal(1_800, statement["remuneration"]!["accrued"]!.GetValue<long>()); // 10% of 18,000 fen collected in October
        var accrual = await (await y.Trustee.PostAsync(y.P("/remuneration-accruals"), new { month = "2026-10" })).AssertStatus(200);
        Assert.Equal(1_800, accrual["amount"]!.GetValue<long>());
        Assert.False(accrual["created"]!.GetValue<bool>());

        // The job, run after the close (on the 1st of November, and now), finds it accrued and adds nothing; closing again changes nothing.
        var head = await HeadAsync(y);
        var job = ActivatorUtilities.CreateInstance<RemunerationAccrualJob>(App.Services);
        App.Clock.Set(new DateTimeOffset(2026, 10, 31, 17, 20, 0, TimeSpan.Zero));
        await job.RunAsync();
        App.Clock.Set(Start);
        await job.RunAsync();
        await (await y.Trustee.PostAsync(y.P("/months/2026-10/close"), null)).AssertStatus(200);
        Assert.Equal(head, await HeadAsync(y));
        Assert.Single((await y.Supervisor.GetJsonAsync(y.P("/entries?account=6201")))["items"]!.AsArray());
        Assert.True((await y.Supervisor.GetJsonAsync(y.P("/integrity")))["ok"]!.GetValue<bool>());
    }

    [SkippableFact]
    public async Task Attachments_are_content_addressed_typed_from_their_bytes_and_private_to_the_community()
    {
        var y = await YardAsync(withBudget: false);
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];
        var upload = await Upload(y.Trustee, y.P("/attachments"), png, "application/pdf");
        var stored = await upload.AssertStatus(201);
        Assert.Equal("image/png", stored["contentType"]!.GetValue<string>());
        var sha = stored["sha256"]!.GetValue<string>();
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png)), sha);
        await (await Upload(y.Trustee, y.P("/attachments"), "not a pdf"u8.ToArray(), "application/pdf")).AssertProblem(415, "unsupported_media_type");
        await (await Upload(y.Owners[0], y.P("/attachments"), png, "image/png")).AssertProblem(403, Codes.Forbidden);

        var mine = await y.Owners[0].GetAsync(y.P($"/attachments/{sha}"));
        Assert.Equal(200, (int)mine.StatusCode);
        Assert.Equal(png, await mine.Content.ReadAsByteArrayAsync());
        // An invoice or a ballot scan is a member's private answer like any other: kept by no browser or proxy.
        Assert.Equal("no-store", mine.Headers.CacheControl?.ToString());
        var other = await YardAsync(withBudget: false);
        await (await other.Owners[0].GetAsync(y.P($"/attachments/{sha}"))).AssertProblem(404, Codes.NotFound);
        await (await other.Owners[0].GetAsync(other.P($"/attachments/{sha}"))).AssertProblem(404, Codes.NotFound);

        await (await y.Trustee.PostAsync(y.P("/spending-requests"), new { payee = "x", amount = 1L, account = "6103", description = "x", attachments = new[] { new string('a', 64) } }))
            .AssertProblem(422, Codes.UnknownAttachment);
        var request = await (await y.Trustee.PostAsync(y.P("/spending-requests"), new { payee = "x", amount = 1L, account = "6103", description = "x", attachments = new[] { sha } })).AssertStatus(201);
        Assert.Equal(sha, request["attachments"]![0]!.GetValue<string>());
    }

    private static Task<HttpResponseMessage> Upload(ApiClient who, string path, byte[] bytes, string claimed)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(claimed);
        content.Add(file, "file", "quote.bin");
        return who.Http.PostAsync(path, content);
    }

    [SkippableFact]
    public async Task Queries_are_answered_in_public_and_flagged_when_overdue()
    {
        var y = await YardAsync(withBudget: false);
        var asked = await (await y.Owners[0].PostAsync(y.P("/queries"), new { subject = "entry", subjectId = "1", question = "这笔广告费是哪家公司付的？" })).AssertStatus(201);
        Assert.Equal("8栋-1", asked["askedBy"]!.GetValue<string>());
        await (await y.Owners[0].PostAsync(y.P("/queries"), new { subject = "entry", subjectId = "999", question = "?" })).AssertProblem(422, Codes.UnknownSubject);
        // A statement never built (a period the books do not hold, or a month not closed yet) is no subject either.
        foreach (var period in new[] { "2099-01", "2026-12", "2020-01", "garbage", "2026-10" })
            await (await y.Owners[1].PostAsync(y.P("/queries"), new { subject = "statement", subjectId = period, question = "?" })).AssertProblem(422, Codes.UnknownSubject);
        await (await y.Owners[1].PostAsync(y.P("/queries"), new { subject = "entry", subjectId = "1", question = "广告费何时到账？" })).AssertStatus(201);

        App.Clock.Set(Start.AddDays(8));
        var overdue = (await y.Owners[2].GetJsonAsync(y.P("/queries?status=overdue")))["items"]!.AsArray();
        Assert.Equal(2, overdue.Count);
        await (await y.Trustee.PostAsync(y.P($"/queries/{asked["id"]}/answer"), new { answer = "由某某传媒公司支付，合同见附件。" })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P($"/queries/{asked["id"]}/answer"), new { answer = "again" })).AssertProblem(409, Codes.AlreadyAnswered);
        var all = (await y.Owners[2].GetJsonAsync(y.P("/queries")))["items"]!.AsArray();
        // Answered after its deadline: the query went to the supervisor when it fell overdue, and stays there.
        Assert.Equal("escalated", all[0]!["status"]!.GetValue<string>());
        Assert.Equal("late", all[0]!["escalatedBecause"]!.GetValue<string>());
        Assert.Single((await y.Owners[2].GetJsonAsync(y.P("/queries?status=overdue")))["items"]!.AsArray());
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task Every_decision_is_in_the_audit_trail_with_who_when_and_from_where()
    {
        var y = await YardAsync(withBudget: false);
        var id = await FileAsync(y, 100_000);
        await (await Decide(y, y.Supervisor, id)).AssertStatus(200);
        var audit = (await y.Supervisor.GetJsonAsync(y.P("/audit")))["items"]!.AsArray();
        var approve = audit.Single(a => a!["action"]!.GetValue<string>() == "spending.approve")!;
        Assert.Equal(y.Supervisor.UserId, approve["userId"]!.GetValue<long>());
        Assert.Equal($"spending-request:{id}", approve["subject"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(approve["at"]!.GetValue<string>()));
        Assert.Contains(audit, a => a!["action"]!.GetValue<string>() == "spending.file");
        await (await y.Owners[0].GetAsync(y.P("/audit"))).AssertProblem(403, Codes.Forbidden);
    }
}

public sealed class SqliteSpendingApiTests(SqliteFixture fixture) : SpendingApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresSpendingApiTests(PostgresFixture fixture) : SpendingApiTests(fixture), IClassFixture<PostgresFixture>;
