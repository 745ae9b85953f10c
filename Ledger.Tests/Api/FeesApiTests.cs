using System.Text;
using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>The register, billing, payments, statements and arrears, on each engine.</summary>
public abstract class FeesApiTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private sealed record Books(string Slug, ApiClient Admin, ApiClient Staff, long[] Units)
    {
        public string P(string path) => $"/api/v1/communities/{Slug}{path}";
    }

    /// <summary>A community with the given unit areas (residential), each unit owned by its own person, and a 1.80 schedule from September.</summary>
    private async Task<Books> BooksAsync(params decimal[] areas)
    {
        var slug = await App.CommunityAsync("2026-09");
        var admin = await App.UserAsync(slug, "community_admin");
        var staff = await App.UserAsync(slug, "trustee", "trustee_manager", "supervisor");
        var units = new List<long>();
        for (var i = 0; i < areas.Length; i++)
        {
            var unit = await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
                new { building = "1栋", number = $"{101 + i}", use = "residential", area = areas[i], areaSource = "registered", delivered = true })).AssertStatus(201);
            var id = unit["id"]!.GetValue<long>();
            await (await admin.PostAsync($"/api/v1/communities/{slug}/owners", new { name = $"业主{i}", kind = "person", unitIds = new[] { id } })).AssertStatus(201);
            units.Add(id);
        }
        var books = new Books(slug, admin, staff, units.ToArray());
        await (await staff.PutAsync(books.P("/fee-schedule"), new { effectiveFrom = "2026-09", rates = new { residential = "1.80", parking = "0.50" } })).AssertStatus(200);
        return books;
    }

    private static async Task<JsonObject> Bill(Books b, string month) =>
        await (await b.Staff.PostAsync(b.P("/billing-runs"), new { month })).Json();

    private static Task<HttpResponseMessage> Pay(Books b, long unit, long amount, string reference, string paidAt = "2026-11-20") =>
        b.Staff.PostAsync(b.P("/payments"), new { unitId = unit, amount, paidAt, channel = "bank", externalRef = reference });

    private static async Task AssertIntegrityAsync(Books b)
    {
        var report = await b.Staff.GetJsonAsync(b.P("/integrity"));
        Assert.True(report["ok"]!.GetValue<bool>(), report.ToJsonString());
    }

    [SkippableFact]
    public async Task Fee_rounds_half_up_to_the_fen()
    {
        var b = await BooksAsync(89.00m, 88.99m, 89.57m);
        await (await b.Staff.PutAsync(b.P("/fee-schedule"), new { effectiveFrom = "2026-09", rates = new { residential = "1.0050" } })).AssertStatus(200);
        var run = await (await b.Staff.PostAsync(b.P("/billing-runs"), new { month = "2026-09" })).AssertStatus(201);
        Assert.Equal(3, run["bills"]!.GetValue<long>());
        var bills = (await b.Staff.GetJsonAsync(b.P("/bills?month=2026-09")))["items"]!.AsArray();
        // 89.00 × 1.0050 = 89.445 yuan: exactly half a fen, rounds up; 88.99 × 1.0050 = 89.43495 rounds down.
        Assert.Equal([8945L, 8943L, 9002L], bills.Select(x => x!["amount"]!.GetValue<long>()));
        await AssertIntegrityAsync(b);
    }

    [SkippableFact]
    public async Task Billing_run_is_once_per_month_even_when_two_race()
    {
        var b = await BooksAsync(100m, 50m);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => b.Staff.PostAsync(b.P("/billing-runs"), new { month = "2026-09" })));
        Assert.Equal(1, runs.Count(r => (int)r.StatusCode == 201));
        Assert.Equal(3, runs.Count(r => (int)r.StatusCode == 200));
        var bills = (await b.Staff.GetJsonAsync(b.P("/bills")))["items"]!.AsArray();
        Assert.Equal(2, bills.Count);
        Assert.Equal(18000 + 9000, bills.Sum(x => x!["amount"]!.GetValue<long>()));
        await AssertIntegrityAsync(b);
        await (await b.Staff.PostAsync(b.P("/billing-runs"), new { month = "2026-12" })).AssertProblem(422, Codes.MonthNotOpen);
        await (await b.Staff.PostAsync(b.P("/billing-runs"), new { month = "2026-08" })).AssertProblem(422, Codes.MonthNotOpen);
    }

    [SkippableFact]
    public async Task A_payment_spans_three_bills_oldest_first_and_the_surplus_becomes_prepayment()
    {
        var b = await BooksAsync(100m);
        foreach (var m in new[] { "2026-09", "2026-10", "2026-11" }) await Bill(b, m);
        var payment = await (await Pay(b, b.Units[0], 3 * 18000 + 500, "BANK-0001")).AssertStatus(201);
        Assert.Equal(54000, payment["allocated"]!.GetValue<long>());
        Assert.Equal(500, payment["prepaid"]!.GetValue<long>());

        var statement = await b.Staff.GetJsonAsync(b.P($"/units/{b.Units[0]}/statement"));
        Assert.All(statement["bills"]!.AsArray(), x => Assert.Equal("paid", x!["status"]!.GetValue<string>()));
        Assert.Equal(500, statement["prepayment"]!.GetValue<long>());
        Assert.Equal(0, statement["balanceDue"]!.GetValue<long>());
        await AssertIntegrityAsync(b);
    }

    [SkippableFact]
    public async Task Partial_payment_settles_the_oldest_bill_first()
    {
        var b = await BooksAsync(100m);
        await Bill(b, "2026-09");
        await Bill(b, "2026-10");
        await (await Pay(b, b.Units[0], 20000, "P-1")).AssertStatus(201);
        var bills = (await b.Staff.GetJsonAsync(b.P("/bills")))["items"]!.AsArray();
        Assert.Equal(("paid", 18000L), (bills[0]!["status"]!.GetValue<string>(), bills[0]!["paid"]!.GetValue<long>()));
        Assert.Equal(("open", 2000L), (bills[1]!["status"]!.GetValue<string>(), bills[1]!["paid"]!.GetValue<long>()));
        var open = (await b.Staff.GetJsonAsync(b.P("/bills?status=open")))["items"]!.AsArray();
        Assert.Single(open);
    }

    [SkippableFact]
    public async Task Overpayment_settles_next_months_bill_from_prepayment()
    {
        var b = await BooksAsync(100m);
        await Bill(b, "2026-09");
        await (await Pay(b, b.Units[0], 18000 + 25000, "P-over", "2026-09-20")).AssertStatus(201);
        await Bill(b, "2026-10");
        await Bill(b, "2026-11");
        var statement = await b.Staff.GetJsonAsync(b.P($"/units/{b.Units[0]}/statement"));
        var bills = statement["bills"]!.AsArray();
        Assert.Equal(["paid", "paid", "open"], bills.Select(x => x!["status"]!.GetValue<string>()));
        Assert.Equal(7000, bills[2]!["paid"]!.GetValue<long>()); // what was left of the prepayment
        Assert.Equal(0, statement["prepayment"]!.GetValue<long>());
        Assert.Equal(11000, statement["balanceDue"]!.GetValue<long>());
        await AssertIntegrityAsync(b);
    }

    [SkippableFact]
    public async Task The_same_payment_sent_twice_and_concurrently_posts_once()
    {
        var b = await BooksAsync(100m);
        await Bill(b, "2026-09");
        var first = await Pay(b, b.Units[0], 18000, "WX-42");
        var again = await Pay(b, b.Units[0], 18000, "WX-42");
        Assert.Equal(201, (int)again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotency-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        await (await Pay(b, b.Units[0], 17000, "WX-42")).AssertProblem(409, Codes.IdempotencyKeyReused);

        var racing = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Pay(b, b.Units[0], 5000, "WX-43")));
        Assert.All(racing, r => Assert.Equal(201, (int)r.StatusCode));
        var statement = await b.Staff.GetJsonAsync(b.P($"/units/{b.Units[0]}/statement"));
        Assert.Equal(2, statement["payments"]!.AsArray().Count);
        Assert.Equal(5000, statement["prepayment"]!.GetValue<long>());
        await AssertIntegrityAsync(b);
    }

    [SkippableFact]
    public async Task A_schedule_change_mid_year_never_changes_bills_already_issued()
    {
        var b = await BooksAsync(100m);
        await Bill(b, "2026-09");
        await Bill(b, "2026-10");
        await (await b.Staff.PutAsync(b.P("/fee-schedule"), new { effectiveFrom = "2026-10", rates = new { residential = "2.00" } })).AssertProblem(409, Codes.MonthAlreadyBilled);
        await (await b.Staff.PutAsync(b.P("/fee-schedule"), new { effectiveFrom = "2026-11", rates = new { residential = "2.00" } })).AssertStatus(200);
        await Bill(b, "2026-11");
        var bills = (await b.Staff.GetJsonAsync(b.P("/bills")))["items"]!.AsArray();
        Assert.Equal([18000L, 18000L, 20000L], bills.Select(x => x!["amount"]!.GetValue<long>()));
        var schedules = (await b.Staff.GetJsonAsync(b.P("/fee-schedule")))["items"]!.AsArray();
        Assert.Equal("2.00", schedules[1]!["rates"]!["residential"]!.GetValue<string>());
        await (await b.Staff.PutAsync(b.P("/fee-schedule"), new { effectiveFrom = "2026-12", rates = new { residential = "1.80001" } })).AssertProblem(400, Codes.ValidationFailed);
    }

    [SkippableFact]
    public async Task A_schedule_cannot_start_in_a_closed_month()
    {
        var b = await BooksAsync(100m);
        foreach (var month in new[] { "2026-09", "2026-10" })
            await (await b.Staff.PostAsync(b.P($"/months/{month}/close"), null)).AssertStatus(200);
        foreach (var month in new[] { "2026-09", "2026-10" })
            await (await b.Staff.PutAsync(b.P("/fee-schedule"), new { effectiveFrom = month, rates = new { residential = "2.00" } })).AssertProblem(422, Codes.MonthClosed);
        var schedules = (await b.Staff.GetJsonAsync(b.P("/fee-schedule")))["items"]!.AsArray();
        Assert.Equal("1.80", Assert.Single(schedules)!["rates"]!["residential"]!.GetValue<string>());
        await (await b.Staff.PutAsync(b.P("/fee-schedule"), new { effectiveFrom = "2026-11", rates = new { residential = "2.00" } })).AssertStatus(200);
        await Bill(b, "2026-11");
        Assert.Equal(20000L, (await b.Staff.GetJsonAsync(b.P("/bills?month=2026-11")))["items"]![0]!["amount"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task Developer_is_billed_for_unsold_and_undelivered_units()
    {
        var b = await BooksAsync(100m);
        var unsold = await (await b.Admin.PostAsync(b.P("/units"), new { building = "2栋", number = "201", use = "residential", area = 50m, areaSource = "surveyed", delivered = false })).AssertStatus(201);
        var developer = await (await b.Admin.PostAsync(b.P("/owners"), new { name = "某某置业", kind = "developer", unitIds = Array.Empty<long>() })).AssertStatus(201);
        await Bill(b, "2026-09");
        var invitation = await (await b.Admin.PostAsync(b.P($"/owners/{developer["id"]}/invitations"), null)).AssertStatus(201);
        await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = invitation["code"]!.GetValue<string>(), login = "dev-" + b.Slug, password = "developer password" })).AssertStatus(201);
        var dev = await App.LoginAsync("dev-" + b.Slug, "developer password");
        var bills = (await dev.GetJsonAsync(b.P("/bills")))["items"]!.AsArray();
        Assert.Equal(unsold["id"]!.GetValue<long>(), Assert.Single(bills)!["unitId"]!.GetValue<long>());
        Assert.Equal(9000, bills[0]!["amount"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task An_owner_sees_only_their_own_units_and_nothing_of_another_community()
    {
        var b = await BooksAsync(100m, 80m);
        await Bill(b, "2026-09");
        var owners = await b.Admin.GetJsonAsync(b.P("/units"));
        var ownerOfA = owners["items"]![0]!["ownerIds"]![0]!.GetValue<long>();
        var code = (await (await b.Admin.PostAsync(b.P($"/owners/{ownerOfA}/invitations"), null)).AssertStatus(201))["code"]!.GetValue<string>();
        var login = "owner-a-" + b.Slug;
        await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login, password = "owner a password" })).AssertStatus(201);
        await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login = login + "x", password = "owner a password" })).AssertProblem(422, Codes.InvitationInvalid);
        var owner = await App.LoginAsync(login, "owner a password");

        var me = await owner.GetJsonAsync("/api/v1/me");
        Assert.Equal(b.Units[0], Assert.Single(me["units"]!.AsArray())!["unitId"]!.GetValue<long>());
        await (await owner.GetAsync(b.P($"/units/{b.Units[0]}/statement"))).AssertStatus(200);
        await (await owner.GetAsync(b.P($"/units/{b.Units[1]}/statement"))).AssertProblem(404, Codes.NotFound);
        await (await owner.GetAsync(b.P($"/bills?unitId={b.Units[1]}"))).AssertProblem(404, Codes.NotFound);
        Assert.Single((await owner.GetJsonAsync(b.P("/bills")))["items"]!.AsArray());
        await (await owner.GetAsync(b.P("/arrears"))).AssertProblem(403, Codes.Forbidden);
        await (await owner.GetAsync(b.P("/units"))).AssertProblem(403, Codes.Forbidden);

        var other = await BooksAsync(60m);
        await (await owner.GetAsync(other.P($"/units/{other.Units[0]}/statement"))).AssertProblem(404, Codes.NotFound);
        await (await owner.GetAsync(other.P("/bills"))).AssertProblem(404, Codes.NotFound);
    }

    [SkippableFact]
    public async Task Csv_with_three_bad_rows_among_500_writes_nothing_and_names_the_three()
    {
        var b = await BooksAsync();
        var csv = new StringBuilder("building,number,use,area,areaSource,delivered,owner,ownerKind\n");
        for (var i = 1; i <= 500; i++)
        {
            var row = i switch
            {
                17 => $"3栋,{i},residential,-5,registered,true,业主{i},person",
                240 => $"3栋,{i},Residential!,80.5,registered,true,业主{i},person",
                499 => $"3栋,{i},residential,80.123,measured,maybe,业主{i},person",
                _ => $"3栋,{i},residential,80.{i % 100:D2},registered,true,\"业主, {i}\",person",
            };
            csv.Append(row).Append('\n');
        }
        var response = await b.Admin.PostRawAsync(b.P("/units/import"), csv.ToString(), "text/csv");
        var problem = await response.AssertProblem(400, Codes.ImportInvalid);
        var errors = problem["errors"]!.AsArray();
        Assert.Equal([17, 240, 499], errors.Select(e => e!["row"]!.GetValue<int>()).Distinct());
        Assert.Contains(errors, e => e!["row"]!.GetValue<int>() == 499 && e["field"]!.GetValue<string>() == "areaSource");
        Assert.Contains(errors, e => e!["row"]!.GetValue<int>() == 499 && e["field"]!.GetValue<string>() == "delivered");
        Assert.Empty((await b.Staff.GetJsonAsync(b.P("/units")))["items"]!.AsArray());

        var fixedCsv = csv.ToString().Replace("-5,", "75,").Replace("Residential!", "residential").Replace("80.123,measured,maybe", "80.12,surveyed,false");
        var imported = await (await b.Admin.PostRawAsync(b.P("/units/import"), fixedCsv, "text/csv")).AssertStatus(201);
        Assert.Equal(500, imported["imported"]!.GetValue<int>());
        var page = await b.Staff.GetJsonAsync(b.P("/units?limit=500"));
        Assert.Equal(500, page["items"]!.AsArray().Count);
        Assert.Equal(75m, page["items"]![16]!["area"]!.GetValue<decimal>());
        Assert.Equal(80.18m, page["items"]![17]!["area"]!.GetValue<decimal>()); // row 18
        await (await b.Admin.PostRawAsync(b.P("/units/import"), "building,number,use,area,areaSource,delivered\n3栋,1,residential,80,registered,true\n", "text/csv"))
            .AssertProblem(400, Codes.ImportInvalid);
        await (await b.Admin.PostRawAsync(b.P("/units/import"), "wrong,header\n", "text/csv")).AssertProblem(400, Codes.ImportInvalid);
        await b.Staff.PostAsync(b.P("/billing-runs"), new { month = "2026-09" });
        await AssertIntegrityAsync(b);
    }

    [SkippableFact]
    public async Task Late_fees_are_off_by_default_and_capped_when_the_trust_terms_set_them()
    {
        var b = await BooksAsync(100m);
        await Bill(b, "2026-09");
        await Bill(b, "2026-10");
        Assert.DoesNotContain((await b.Staff.GetJsonAsync(b.P("/bills")))["items"]!.AsArray(), x => x!["kind"]!.GetValue<string>() == "late_fee");

        var terms = TrustTermsJson(lateFee: new { dailyRatePermyriad = 5, capPercent = 1 });
        await (await b.Admin.PutAsync(b.P("/trust-terms"), terms)).AssertStatus(200);
        var stored = await b.Admin.GetJsonAsync(b.P("/trust-terms"));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(terms, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)),
            stored["terms"]!.ToJsonString()); // what was put comes back as it was put
        await Bill(b, "2026-11");
        var lateFees = (await b.Staff.GetJsonAsync(b.P("/bills")))["items"]!.AsArray().Where(x => x!["kind"]!.GetValue<string>() == "late_fee").ToList();
        // September's 18000 fen was overdue all of October: 18000 × 0.05% × 31 days = 279, capped at 1% = 180.
        var fee = Assert.Single(lateFees)!;
        Assert.Equal(180, fee["amount"]!.GetValue<long>());
        Assert.Equal("2026-11", fee["month"]!.GetValue<string>());
        await AssertIntegrityAsync(b);
    }

    [SkippableFact]
    public async Task Arrears_are_bucketed_by_age_with_each_months_collection_rate()
    {
        var b = await BooksAsync(100m, 50m);
        await Bill(b, "2026-09");
        await Bill(b, "2026-10");
        await Bill(b, "2026-11");
        await (await Pay(b, b.Units[1], 9000 * 3, "ALL")).AssertStatus(201);
        await (await Pay(b, b.Units[0], 18000, "SEPT")).AssertStatus(201);
        var arrears = await b.Staff.GetJsonAsync(b.P("/arrears"));
        Assert.Equal(1, arrears["unitsInArrears"]!.GetValue<long>());
        Assert.Equal(36000, arrears["totalDue"]!.GetValue<long>());
        var buckets = arrears["buckets"]!.AsArray().ToDictionary(x => x!["bucket"]!.GetValue<string>(), x => x!["amount"]!.GetValue<long>());
        Assert.Equal(18000, buckets["0-30"]);   // November, issued 20 days ago
        Assert.Equal(18000, buckets["31-90"]);  // October, 51 days ago
        var months = arrears["months"]!.AsArray();
        Assert.Equal([10000L, 3333L, 3333L], months.Select(m => m!["rateBasisPoints"]!.GetValue<long>()));
    }

    /// <summary>
    /// One arrears computation (FeeBook's): as of a past day it sees the bills as they stood then, later
    /// payments not counted yet (what a statement publishes); as of today it is what the arrears page says.
    /// </summary>
    [SkippableFact]
    public async Task Arrears_as_of_a_past_day_ignore_later_payments_and_as_of_today_are_the_arrears_page()
    {
        var b = await BooksAsync(100m, 50m);
        await Bill(b, "2026-09");
        await Bill(b, "2026-10");
        await (await Pay(b, b.Units[0], 18000, "SEPT", paidAt: "2026-11-20")).AssertStatus(201);
        var bills = (await b.Staff.GetJsonAsync(b.P("/bills")))["items"]!.AsArray()
            .Select(x => (Amount: x!["amount"]!.GetValue<long>(), Paid: x["paid"]!.GetValue<long>())).ToList();
        var community = (await App.Service<CommunityBook>().FindAsync(b.Slug))!;
        var db = App.Service<LedgerDatabase>();

        var then = await db.ReadAsync(read => FeeBook.ArrearsAtAsync(read, community.Id, new DateOnly(2026, 10, 31)));
        Assert.Equal(2, then.UnitsInArrears);
        Assert.Equal(bills.Sum(x => x.Amount), then.TotalDue);              // nothing was paid by the end of October
        Assert.Equal(["2026-09", "2026-10"], then.Months.Select(m => m.Month));
        Assert.All(then.Months, m => Assert.Equal(0, m.Collected));

        var today = await db.ReadAsync(read => FeeBook.ArrearsAtAsync(read, community.Id, new DateOnly(2026, 11, 21)));
        Assert.Equal(bills.Sum(x => x.Amount - x.Paid), today.TotalDue);
        Assert.Equal(18000, today.Months[0].Collected);                       // the payment settled September first
        var page = await b.Staff.GetJsonAsync(b.P("/arrears"));
        Assert.Equal(today.TotalDue, page["totalDue"]!.GetValue<long>());
        Assert.Equal(today.UnitsInArrears, page["unitsInArrears"]!.GetValue<long>());
        Assert.Equal(today.Months.Select(m => m.Collected), page["months"]!.AsArray().Select(m => m!["collected"]!.GetValue<long>()));
    }

    [SkippableFact]
    public async Task Arrears_reminders_are_queued_once_a_month_per_unit_behind_by_more_than_30_days()
    {
        var b = await BooksAsync(100m, 50m);
        await Bill(b, "2026-09");
        await Bill(b, "2026-10");
        await Bill(b, "2026-11");
        await (await Pay(b, b.Units[1], 27_000, "ALL")).AssertStatus(201);
        var job = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<Ledger.Jobs.ArrearsReminderJob>(App.Services);
        await Task.WhenAll(job.RunAsync(), job.RunAsync());
        await job.RunAsync();
        var outbox = (await b.Staff.GetJsonAsync(b.P("/outbox")))["items"]!.AsArray();
        var reminder = Assert.Single(outbox)!;
        Assert.Equal(b.Units[0], reminder["unitId"]!.GetValue<long>());
        Assert.Contains("360.00 元", reminder["body"]!.GetValue<string>()); // September and October; November's bill is 20 days old
        Assert.DoesNotContain("业主0", reminder["body"]!.GetValue<string>()); // a unit, never an owner's name
    }

    [SkippableFact]
    public async Task Public_revenue_is_receipted_once_per_reference()
    {
        var b = await BooksAsync();
        var receipt = new { source = "parking", amount = 120000, receivedAt = "2026-11-02T08:00:00Z", payer = "停车公司", memo = "十月停车费", externalRef = "PK-2026-10" };
        var first = await (await b.Staff.PostAsync(b.P("/receipts"), receipt)).AssertStatus(201);
        Assert.Equal(first.ToJsonString(), (await (await b.Staff.PostAsync(b.P("/receipts"), receipt)).AssertStatus(201)).ToJsonString());
        await (await b.Staff.PostAsync(b.P("/receipts"), receipt with { amount = 1 })).AssertProblem(409, Codes.IdempotencyKeyReused);
        await (await b.Staff.PostAsync(b.P("/receipts"), receipt with { source = "lottery", externalRef = "X" })).AssertProblem(400, Codes.ValidationFailed);
        var entry = await b.Staff.GetJsonAsync(b.P($"/entries/{first["seq"]}"));
        Assert.Equal("5201", entry["lines"]![1]!["account"]!.GetValue<string>());
        Assert.Equal("2026-11-02", entry["date"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task A_bank_reference_books_one_payment_or_one_receipt_never_both()
    {
        var b = await BooksAsync(100m);
        await Bill(b, "2026-09");
        Task<HttpResponseMessage> Receive(string reference, long amount = 50_000) => b.Staff.PostAsync(b.P("/receipts"),
            new { source = "parking", amount, receivedAt = "2026-11-02", payer = "停车公司", memo = "十月停车费", externalRef = reference });
        async Task<long> HeadAsync() => (await b.Staff.GetJsonAsync(b.P("/integrity")))["seq"]!.GetValue<long>();

        // A payment first: the same bank credit cannot then be booked as public revenue; the payment still replays.
        var paid = await Pay(b, b.Units[0], 18_000, "BANK-1");
        Assert.Equal(201, (int)paid.StatusCode);
        var head = await HeadAsync();
        await (await Receive("BANK-1")).AssertProblem(409, Codes.ExternalRefUsed);
        await (await Receive("BANK-1", 18_000)).AssertProblem(409, Codes.ExternalRefUsed);
        var replay = await Pay(b, b.Units[0], 18_000, "BANK-1");
        Assert.Equal(201, (int)replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotency-Replayed").Single());
        Assert.Equal(head, await HeadAsync());

        // A receipt first: the same bank credit cannot then be booked as an owner's payment; the receipt still replays.
        var received = await (await Receive("BANK-2")).AssertStatus(201);
        head = await HeadAsync();
        await (await Pay(b, b.Units[0], 50_000, "BANK-2")).AssertProblem(409, Codes.ExternalRefUsed);
        Assert.Equal(received.ToJsonString(), (await (await Receive("BANK-2")).AssertStatus(201)).ToJsonString());
        Assert.Equal(head, await HeadAsync());

        // Racing each other, one of them books the reference and the other is refused.
        for (var i = 0; i < 5; i++)
        {
            var reference = $"BANK-RACE-{i}";
            var racing = await Task.WhenAll(Pay(b, b.Units[0], 100, reference), Receive(reference, 100), Pay(b, b.Units[0], 100, reference), Receive(reference, 100));
            var booked = racing.Where(r => (int)r.StatusCode == 201).Select(r => r.RequestMessage!.RequestUri!.AbsolutePath).Distinct().ToList();
            Assert.Single(booked);
            Assert.All(racing.Where(r => (int)r.StatusCode != 201), r => Assert.Equal(409, (int)r.StatusCode));
        }
        var statement = await b.Staff.GetJsonAsync(b.P($"/units/{b.Units[0]}/statement"));
        var receipts = (await b.Staff.GetJsonAsync(b.P("/entries?account=5201")))["items"]!.AsArray().Count;
        Assert.Equal(7, statement["payments"]!.AsArray().Count + receipts);
        await AssertIntegrityAsync(b);
    }

    internal static object TrustTermsJson(object? lateFee = null) => new
    {
        trustee = new { name = "某某物业服务有限公司", creditCode = "91510107MA6C000000" },
        remuneration = new { kind = "percent", percent = 10 },
        approval = new { supervisorUpTo = 200000, committeeUpTo = 5000000, expiryDays = 30 },
        disclosure = new { closeDay = 5, signOffDays = 3, arrearsDetail = "aggregate" },
        queryAnswerDays = 7,
        embedOrigins = new[] { "https://sq.example.cn" },
        lateFee,
        followMajority = false,
    };
}

public sealed class SqliteFeesApiTests(SqliteFixture fixture) : FeesApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresFeesApiTests(PostgresFixture fixture) : FeesApiTests(fixture), IClassFixture<PostgresFixture>;
