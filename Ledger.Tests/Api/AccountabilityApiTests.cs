using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>The accountability loop through the API and the public pages, on each engine.</summary>
public abstract class AccountabilityApiTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;
    private static readonly DateTimeOffset Start = new(2026, 11, 10, 2, 0, 0, TimeSpan.Zero);

    private sealed record Yard(string Slug, ApiClient Admin, ApiClient Trustee, ApiClient Supervisor, List<ApiClient> Owners, ApiClient Unhoused)
    {
        public string P(string path) => $"/api/v1/communities/{Slug}{path}";
        public string Public(string path = "") => $"/p/{Slug}{path}";
    }

    /// <summary>
    /// Trust terms (answers due in 7 days), public revenue (entry 1, which anyone may ask about), three owners of
    /// one unit each in 8栋, and an owner-role user holding no unit.
    /// </summary>
    private async Task<Yard> YardAsync()
    {
        App.Clock.Set(Start);
        var slug = await App.CommunityAsync("2026-11");
        string P(string path) => $"/api/v1/communities/{slug}{path}";
        var admin = await App.UserAsync(slug, "community_admin", "committee");
        var trustee = await App.UserAsync(slug, "trustee", "trustee_manager");
        var supervisor = await App.UserAsync(slug, "supervisor");
        await (await admin.PutAsync(P("/trust-terms"), FeesApiTests.TrustTermsJson())).AssertStatus(200);
        await (await trustee.PostAsync(P("/receipts"), new { source = "advertising", amount = 500_000, receivedAt = "2026-11-01", payer = "广告公司", memo = "广告费", externalRef = "AD-11" })).AssertStatus(201);
        var owners = new List<ApiClient>();
        for (var i = 0; i < 3; i++)
        {
            var unit = (await (await admin.PostAsync(P("/units"), new { building = "8栋", number = $"{i + 1}01", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
            var owner = (await (await admin.PostAsync(P("/owners"), new { name = $"业主{i}", kind = "person", unitIds = new[] { unit } })).AssertStatus(201))["id"]!.GetValue<long>();
            var code = (await (await admin.PostAsync(P($"/owners/{owner}/invitations"), null)).AssertStatus(201))["code"]!.GetValue<string>();
            await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login = $"ac{i}-{slug}", password = "owner password 1" })).AssertStatus(201);
            owners.Add(await App.LoginAsync($"ac{i}-{slug}", "owner password 1"));
        }
        var unhoused = await App.UserAsync(slug, "owner");
        return new Yard(slug, admin, trustee, supervisor, owners, unhoused);
    }

    private static async Task<long> AskAsync(Yard y, ApiClient who, string question) =>
        (await (await who.PostAsync(y.P("/queries"), new { subject = "entry", subjectId = 1, question })).AssertStatus(201))["id"]!.GetValue<long>();

    private static async Task<JsonObject> QueryAsync(Yard y, long id) =>
        (await y.Admin.GetJsonAsync(y.P("/queries")))["items"]!.AsArray().Single(q => q!["id"]!.GetValue<long>() == id)!.AsObject();

    private static string Status(JsonObject q) => q["status"]!.GetValue<string>();

    [SkippableFact]
    public async Task A_query_closes_the_loop_rated_escalated_and_found_on_by_the_supervisor()
    {
        var y = await YardAsync();
        var liked = await AskAsync(y, y.Owners[0], "十一月保洁费为何上涨？");
        var disputed = await AskAsync(y, y.Owners[1], "电梯维修为何没有比价？");
        Assert.Equal("open", Status(await QueryAsync(y, liked)));

        App.Clock.Set(Start.AddDays(2));
        await (await y.Trustee.PostAsync(y.P($"/queries/{liked}/answer"), new { answer = "保洁人员增加一名，合同见附件。" })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P($"/queries/{disputed}/answer"), new { answer = "厂家指定。" })).AssertStatus(200);
        var answered = await QueryAsync(y, liked);
        Assert.Equal("answered", Status(answered));
        Assert.True(answered["answeredInTime"]!.GetValue<bool>());

        var rated = await (await y.Owners[0].PostAsync(y.P($"/queries/{liked}/rating"), new { satisfied = true })).AssertStatus(200);
        Assert.Equal("satisfied", Status(rated));
        var unhappy = await (await y.Owners[1].PostAsync(y.P($"/queries/{disputed}/rating"), new { satisfied = false, comment = "没有说明为何不比价" })).AssertStatus(200);
        Assert.Equal("escalated", Status(unhappy));
        Assert.Equal("unsatisfied", unhappy["escalatedBecause"]!.GetValue<string>());
        var escalatedList = (await y.Supervisor.GetJsonAsync(y.P("/queries?status=escalated")))["items"]!.AsArray();
        Assert.Equal(disputed, Assert.Single(escalatedList)!["id"]!.GetValue<long>());

        var closed = await (await y.Supervisor.PostAsync(y.P($"/queries/{disputed}/finding"), new { finding = "应比价而未比价，要求受托人补充三家报价。", upheld = true })).AssertStatus(200);
        Assert.Equal("closed", Status(closed));
        Assert.True(closed["finding"]!["upheld"]!.GetValue<bool>());
        Assert.Equal("satisfied", Status(await QueryAsync(y, liked)));

        // Members see who asked (by unit); the public sees the question, the answer and the finding, never the unit.
        Assert.Equal("8栋-201", (await QueryAsync(y, disputed))["askedBy"]!.GetValue<string>());
        var page = await App.Anonymous().Http.GetStringAsync(y.Public("/accountability"));
        Assert.Contains("电梯维修为何没有比价？", page);
        Assert.Contains("厂家指定。", page);
        Assert.Contains("应比价而未比价", page);
        Assert.DoesNotContain("8栋", page);
        Assert.DoesNotContain("没有说明为何不比价", page); // the asker's rating comment stays with members
        var audit = (await y.Supervisor.GetJsonAsync(y.P("/audit")))["items"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToList();
        Assert.Contains("query.rate", audit);
        Assert.Contains("query.finding", audit);
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task Whoever_holds_a_trustee_role_records_no_finding_on_the_trustees_answer()
    {
        var y = await YardAsync();
        var id = await AskAsync(y, y.Owners[0], "停车费去向？");
        var both = await App.UserAsync(y.Slug, "trustee", "supervisor");
        await (await both.PostAsync(y.P($"/queries/{id}/answer"), new { answer = "存入基金账户。" })).AssertStatus(200);
        Assert.Equal("escalated", Status(await (await y.Owners[0].PostAsync(y.P($"/queries/{id}/rating"), new { satisfied = false, comment = "没有凭证" })).AssertStatus(200)));

        // The one who answered for the trustee would judge that answer: refused, and the query waits for a supervisor.
        await (await both.PostAsync(y.P($"/queries/{id}/finding"), new { finding = "答复充分。", upheld = false })).AssertProblem(403, Codes.TrusteeCannotApprove);
        var manager = await App.UserAsync(y.Slug, "trustee_manager", "supervisor");
        await (await manager.PostAsync(y.P($"/queries/{id}/finding"), new { finding = "答复充分。", upheld = false })).AssertProblem(403, Codes.TrusteeCannotApprove);
        Assert.Equal("escalated", Status(await QueryAsync(y, id)));
        await (await y.Supervisor.PostAsync(y.P($"/queries/{id}/finding"), new { finding = "未附凭证，要求补充。", upheld = true })).AssertStatus(200);
        Assert.Equal("closed", Status(await QueryAsync(y, id)));
    }

    [SkippableFact]
    public async Task A_query_unanswered_past_its_deadline_escalates_by_itself()
    {
        var y = await YardAsync();
        var id = await AskAsync(y, y.Owners[0], "公共收益去向？");
        await (await y.Supervisor.PostAsync(y.P($"/queries/{id}/finding"), new { finding = "尚未到期", upheld = false })).AssertProblem(409, Codes.InquiryNotEscalated);

        App.Clock.Set(Start.AddDays(7).AddMinutes(1));
        var overdue = await QueryAsync(y, id);
        Assert.Equal("overdue", Status(overdue));
        Assert.Equal("late", overdue["escalatedBecause"]!.GetValue<string>());
        Assert.Equal(Start.AddDays(7), DateTimeOffset.Parse(overdue["escalatedAt"]!.GetValue<string>()));
        // An answer after the deadline does not take the query back from the supervisor.
        await (await y.Trustee.PostAsync(y.P($"/queries/{id}/answer"), new { answer = "迟复：存入基金账户。" })).AssertStatus(200);
        var late = await QueryAsync(y, id);
        Assert.Equal("escalated", Status(late));
        Assert.False(late["answeredInTime"]!.GetValue<bool>());
        await (await y.Supervisor.PostAsync(y.P($"/queries/{id}/finding"), new { finding = "答复逾期，已提醒受托人。", upheld = true })).AssertStatus(200);
        Assert.Equal("closed", Status(await QueryAsync(y, id)));
        await (await y.Owners[0].PostAsync(y.P($"/queries/{id}/rating"), new { satisfied = true })).AssertProblem(409, Codes.InquiryClosed);
        await (await y.Supervisor.PostAsync(y.P($"/queries/{id}/finding"), new { finding = "again", upheld = true })).AssertProblem(409, Codes.InquiryNotEscalated);
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task Bad_ratings_and_findings_are_refused_and_change_nothing()
    {
        var y = await YardAsync();
        var id = await AskAsync(y, y.Owners[0], "问题");
        await (await y.Owners[0].PostAsync(y.P($"/queries/{id}/rating"), new { satisfied = true })).AssertProblem(409, Codes.InquiryNotAnswered);
        await (await y.Trustee.PostAsync(y.P($"/queries/{id}/answer"), new { answer = "答复" })).AssertStatus(200);
        // Someone else's query: another owner, or staff.
        await (await y.Owners[1].PostAsync(y.P($"/queries/{id}/rating"), new { satisfied = false, comment = "不满意" })).AssertProblem(403, Codes.NotTheAsker);
        await (await y.Trustee.PostAsync(y.P($"/queries/{id}/rating"), new { satisfied = true })).AssertProblem(403, Codes.NotTheAsker);
        await (await y.Owners[0].PostAsync(y.P($"/queries/{id}/rating"), new { satisfied = false })).AssertProblem(400, Codes.ValidationFailed);
        await (await y.Owners[0].PostRawAsync(y.P($"/queries/{id}/rating"), """{"satisfied":"perhaps"}""")).AssertProblem(400, Codes.MalformedRequest);
        await (await y.Owners[0].PostAsync(y.P("/queries/999999/rating"), new { satisfied = true })).AssertProblem(404, Codes.NotFound);
        await (await y.Owners[0].PostAsync(y.P($"/queries/{id}/finding"), new { finding = "x", upheld = true })).AssertProblem(403, Codes.Forbidden);
        await (await y.Supervisor.PostAsync(y.P($"/queries/{id}/finding"), new { finding = "x", upheld = true })).AssertProblem(409, Codes.InquiryNotEscalated);
        Assert.Equal("answered", Status(await QueryAsync(y, id)));
        Assert.Null((await QueryAsync(y, id))["rating"]);

        await (await y.Owners[0].PostAsync(y.P($"/queries/{id}/rating"), new { satisfied = true })).AssertStatus(200);
        await (await y.Owners[0].PostAsync(y.P($"/queries/{id}/rating"), new { satisfied = false, comment = "改主意了" })).AssertProblem(409, Codes.AlreadyRated);
        Assert.Equal("satisfied", Status(await QueryAsync(y, id)));

        // Another community's query is not found, whoever asks.
        var other = await YardAsync();
        await (await other.Owners[0].PostAsync(other.P($"/queries/{id}/rating"), new { satisfied = true })).AssertProblem(404, Codes.NotFound);
        await (await y.Admin.GetAsync(y.P("/queries?status=lost"))).AssertProblem(400, Codes.ValidationFailed);
    }

    [SkippableFact]
    public async Task A_statement_shows_the_periods_queries_as_they_stood_at_its_end_without_the_asker()
    {
        var y = await YardAsync();
        var satisfied = await AskAsync(y, y.Owners[0], "保洁费问题");
        var disputed = await AskAsync(y, y.Owners[1], "维修费问题");
        var ignored = await AskAsync(y, y.Owners[2], "停车费问题");
        App.Clock.Set(Start.AddDays(1));
        await (await y.Trustee.PostAsync(y.P($"/queries/{satisfied}/answer"), new { answer = "保洁答复" })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P($"/queries/{disputed}/answer"), new { answer = "维修答复" })).AssertStatus(200);
        await (await y.Owners[0].PostAsync(y.P($"/queries/{satisfied}/rating"), new { satisfied = true })).AssertStatus(200);
        await (await y.Owners[1].PostAsync(y.P($"/queries/{disputed}/rating"), new { satisfied = false, comment = "不清楚" })).AssertStatus(200);
        // After November: the finding and a late answer belong to December and do not move November's figures.
        App.Clock.Set(new DateTimeOffset(2026, 12, 2, 2, 0, 0, TimeSpan.Zero));
        await (await y.Supervisor.PostAsync(y.P($"/queries/{disputed}/finding"), new { finding = "成立", upheld = true })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P($"/queries/{ignored}/answer"), new { answer = "停车答复" })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/months/2026-11/close"), null)).AssertStatus(200);
        await (await y.Admin.PostAsync(y.P("/statements/2026-11/publish"), null)).AssertStatus(200);

        var statement = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-11.json"));
        var q = statement["queries"]!.AsObject();
        Assert.Equal(3, q["opened"]!.GetValue<long>());
        Assert.Equal(2, q["answered"]!.GetValue<long>());
        Assert.Equal(2, q["answeredInTime"]!.GetValue<long>());
        Assert.Equal(1, q["ratedSatisfied"]!.GetValue<long>());
        Assert.Equal(2, q["escalated"]!.GetValue<long>()); // one unsatisfied, one overdue
        Assert.Equal(1, q["openAtEnd"]!.GetValue<long>());
        var items = q["items"]!.AsArray().ToDictionary(i => i!["id"]!.GetValue<long>(), i => i!.AsObject());
        Assert.Equal("satisfied", items[satisfied]["status"]!.GetValue<string>());
        Assert.Equal("escalated", items[disputed]["status"]!.GetValue<string>());
        Assert.Null(items[disputed]["finding"]);
        Assert.Equal("overdue", items[ignored]["status"]!.GetValue<string>());
        Assert.Null(items[ignored]["answer"]);
        Assert.Equal("维修答复", items[disputed]["answer"]!.GetValue<string>());
        Assert.DoesNotContain("8栋", statement.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.Equal(StatementBook.HashOfPublished(statement), statement["hash"]!.GetValue<string>());

        var html = await App.Anonymous().Http.GetStringAsync(y.Public("/statements/2026-11"));
        Assert.Contains("维修费问题", html);
        Assert.Contains("按时答复", html);
        Assert.DoesNotContain("8栋", html);
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task A_query_is_about_something_the_asker_can_see_and_names_a_supervisor_by_role()
    {
        var y = await YardAsync();
        var units = new List<long>();
        foreach (var owner in y.Owners) units.Add(Assert.Single((await owner.GetJsonAsync("/api/v1/me"))["units"]!.AsArray())!["unitId"]!.GetValue<long>());
        await (await y.Trustee.PutAsync(y.P("/fee-schedule"), new { effectiveFrom = "2026-11", rates = new { residential = "1.80" } })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/billing-runs"), new { month = "2026-11" })).AssertStatus(201);
        var bill = (await y.Trustee.GetJsonAsync(y.P($"/entries?unitId={units[0]}")))["items"]!.AsArray().Single()!["seq"]!.GetValue<long>();
        var expense = (await (await y.Trustee.PostAsync(y.P("/entries"), new
        {
            date = "2026-11-10", memo = "保洁", fund = "common",
            lines = new object[] { new { account = "6103", debit = 1_000L }, new { account = "2202", credit = 1_000L } },
        })).AssertStatus(201))["seq"]!.GetValue<long>();
        Task<HttpResponseMessage> Ask(ApiClient who, string subject, object subjectId) => who.PostAsync(y.P("/queries"), new { subject, subjectId, question = "这是什么？" });

        // Another unit's bill is hidden from this owner: asking about it is the same 422 as a nonexistent entry.
        await (await Ask(y.Owners[1], "entry", bill)).AssertProblem(422, Codes.UnknownSubject);
        await (await Ask(y.Owners[1], "entry", 999_999)).AssertProblem(422, Codes.UnknownSubject);
        await (await Ask(y.Unhoused, "entry", bill)).AssertProblem(422, Codes.UnknownSubject);
        await (await Ask(y.Owners[0], "entry", bill)).AssertStatus(201);
        await (await Ask(y.Owners[1], "entry", expense)).AssertStatus(201);
        await (await Ask(y.Supervisor, "entry", bill)).AssertStatus(201);

        // A statement that was never built is no subject; a draft is one only for who sees drafts (the supervisor).
        await (await Ask(y.Owners[0], "statement", "2026-11")).AssertProblem(422, Codes.UnknownSubject);
        await (await Ask(y.Supervisor, "statement", "2026-11")).AssertProblem(422, Codes.UnknownSubject);
        App.Clock.Set(new DateTimeOffset(2026, 12, 2, 2, 0, 0, TimeSpan.Zero));
        await (await y.Trustee.PostAsync(y.P("/months/2026-11/close"), null)).AssertStatus(200);
        await (await Ask(y.Owners[0], "statement", "2026-11")).AssertProblem(422, Codes.UnknownSubject);
        var bySupervisor = await (await Ask(y.Supervisor, "statement", "2026-11")).AssertStatus(201);
        await (await y.Admin.PostAsync(y.P("/statements/2026-11/publish"), null)).AssertStatus(200);
        var byOwner = await (await Ask(y.Owners[0], "statement", "2026-11")).AssertStatus(201);

        // Who asked: an owner by their units, a supervisor by the role, never by name.
        Assert.Equal("8栋-101", byOwner["askedBy"]!.GetValue<string>());
        Assert.Equal("监察人", bySupervisor["askedBy"]!.GetValue<string>());
        Assert.Equal("监察人", (await QueryAsync(y, bySupervisor["id"]!.GetValue<long>()))["askedBy"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task A_query_about_an_owners_own_entry_names_neither_the_entry_nor_the_owner_to_anyone_else()
    {
        var y = await YardAsync();
        var unit = Assert.Single((await y.Owners[0].GetJsonAsync("/api/v1/me"))["units"]!.AsArray())!["unitId"]!.GetValue<long>();
        await (await y.Trustee.PutAsync(y.P("/fee-schedule"), new { effectiveFrom = "2026-11", rates = new { residential = "1.80" } })).AssertStatus(200);
        await (await y.Trustee.PostAsync(y.P("/billing-runs"), new { month = "2026-11" })).AssertStatus(201);
        var bill = (await y.Trustee.GetJsonAsync(y.P($"/entries?unitId={unit}")))["items"]!.AsArray().Single()!["seq"]!.GetValue<long>();
        // The feed already shows every sequence number, a hidden entry's with its hash only (the chain needs them all).
        var fed = (await App.Anonymous().GetJsonAsync(y.Public($"/journal?after={bill - 1}&limit=1")))["items"]!.AsArray().Single()!;
        Assert.Equal(bill, fed["seq"]!.GetValue<long>());
        Assert.Null(fed["entry"]);

        const string question = "我这个月的物业费为什么是这个金额？";
        var own = (await (await y.Owners[0].PostAsync(y.P("/queries"), new { subject = "entry", subjectId = bill, question })).AssertStatus(201))["id"]!.GetValue<long>();
        var open = (await (await y.Owners[1].PostAsync(y.P("/queries"), new { subject = "entry", subjectId = 1, question = "广告费是谁付的？" })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await y.Trustee.PostAsync(y.P($"/queries/{own}/answer"), new { answer = "按面积乘以单价计算。" })).AssertStatus(200);

        // Members: the asker, staff and oversight see which entry; another owner sees the question, the asker's unit, not the entry.
        JsonObject Item(JsonObject list, long id) => list["items"]!.AsArray().Single(q => q!["id"]!.GetValue<long>() == id)!.AsObject();
        foreach (var reader in new[] { y.Owners[0], y.Trustee, y.Supervisor, y.Admin })
            Assert.Equal(bill.ToString(System.Globalization.CultureInfo.InvariantCulture), Item(await reader.GetJsonAsync(y.P("/queries")), own)["subjectId"]!.GetValue<string>());
        var other = await y.Owners[1].GetJsonAsync(y.P("/queries"));
        Assert.Equal("", Item(other, own)["subjectId"]!.GetValue<string>());
        Assert.Equal(question, Item(other, own)["question"]!.GetValue<string>());
        Assert.Equal("1", Item(other, open)["subjectId"]!.GetValue<string>());

        // The public page: the question and its answer, about "an owner's own entry", with no number and no asker.
        var parser = new HtmlParser();
        async Task<List<string>> SubjectsAsync(string path) =>
            parser.ParseDocument(await App.Anonymous().Http.GetStringAsync(path)).QuerySelectorAll("tbody tr")
                .Where(tr => tr.TextContent.Contains(question) || tr.TextContent.Contains("广告费是谁付的"))
                .Select(tr => tr.Children[1].TextContent).ToList();
        Assert.Equal(["账簿分录 1", "业主本户的账簿分录（不公开序号）"], await SubjectsAsync(y.Public("/accountability")));
        Assert.Equal(["Journal entry 1", "An owner's own journal entry (its number is not public)"], await SubjectsAsync(y.Public("/accountability?lang=en")));
        var overview = await App.Anonymous().Http.GetStringAsync(y.Public("/accountability"));
        Assert.Contains("按面积乘以单价计算。", overview);
        Assert.DoesNotContain("8栋", overview);

        // The month's statement publishes it the same way.
        App.Clock.Set(new DateTimeOffset(2026, 12, 2, 2, 0, 0, TimeSpan.Zero));
        await (await y.Trustee.PostAsync(y.P("/months/2026-11/close"), null)).AssertStatus(200);
        await (await y.Admin.PostAsync(y.P("/statements/2026-11/publish"), null)).AssertStatus(200);
        var statement = await App.Anonymous().GetJsonAsync(y.Public("/statements/2026-11.json"));
        var items = statement["queries"]!["items"]!.AsArray().ToDictionary(i => i!["id"]!.GetValue<long>(), i => i!.AsObject());
        Assert.Equal("entry", items[own]["subject"]!.GetValue<string>());
        Assert.Equal("", items[own]["subjectId"]!.GetValue<string>());
        Assert.Equal("1", items[open]["subjectId"]!.GetValue<string>());
        Assert.Equal(StatementBook.HashOfPublished(statement), statement["hash"]!.GetValue<string>());
        Assert.Equal(["业主本户的账簿分录（不公开序号）", "账簿分录 1"], await SubjectsAsync(y.Public("/statements/2026-11"))); // oldest first here
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task An_evaluation_result_is_public_once_closed_and_members_only_before()
    {
        var y = await YardAsync();
        var id = (await (await y.Admin.PostAsync(y.P("/evaluations"), new
        {
            title = "季度服务评价", opensAt = Start, closesAt = Start.AddDays(10), dimensions = new[] { "服务态度" },
        })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await y.Owners[0].PostAsync(y.P($"/evaluations/{id}/responses"), new { scores = new Dictionary<string, int> { ["服务态度"] = 4 } })).AssertStatus(201);
        string R(long e) => y.P($"/evaluations/{e}/result");

        // Before the close: 409 to members; an outsider cannot tell it exists.
        await (await y.Owners[1].GetAsync(R(id))).AssertProblem(409, Codes.EvaluationNotClosed);
        await (await App.Anonymous().GetAsync(R(id))).AssertProblem(404, Codes.NotFound);

        App.Clock.Set(Start.AddDays(10));
        var result = await (await App.Anonymous().GetAsync(R(id))).AssertStatus(200);
        Assert.Equal(1, result["participation"]!["voters"]!.GetValue<long>());
        Assert.Equal(3, result["participation"]!["eligible"]!.GetValue<long>());
        await (await App.Anonymous().GetAsync(R(999999))).AssertProblem(404, Codes.NotFound);
        await (await App.Anonymous().GetAsync($"/api/v1/communities/no-such-place/evaluations/{id}/result")).AssertProblem(404, Codes.NotFound);
    }

    private static object Scores(int service, int cleaning, int openness) => new Dictionary<string, int> { ["服务态度"] = service, ["保洁"] = cleaning, ["公开透明"] = openness };

    [SkippableFact]
    public async Task An_evaluation_takes_one_answer_per_voter_and_publishes_only_aggregates_after_it_closes()
    {
        var y = await YardAsync();
        var created = await (await y.Admin.PostAsync(y.P("/evaluations"), new
        {
            title = "2026年度受托人服务评价", opensAt = Start, closesAt = Start.AddDays(10), dimensions = new[] { "服务态度", "保洁", "公开透明" },
        })).AssertStatus(201);
        var id = created["id"]!.GetValue<long>();
        Assert.Equal(3, created["participation"]!["eligible"]!.GetValue<long>());
        string E(string path = "") => y.P($"/evaluations/{id}{path}");

        await (await y.Owners[0].PostAsync(E("/responses"), new { scores = Scores(1, 1, 1), comment = "很差，第一次" })).AssertStatus(201);
        await (await y.Owners[0].PostAsync(E("/responses"), new { scores = Scores(4, 5, 3), comment = "改了主意：还不错" })).AssertStatus(201);  // the last counts
        await (await y.Owners[1].PostAsync(E("/responses"), new { scores = Scores(5, 4, 3) })).AssertStatus(201);
        await (await y.Owners[2].PostAsync(E("/responses"), new { scores = Scores(3, 4, 2), comment = "公示不够及时" })).AssertStatus(201);
        Assert.Equal(3, (await y.Admin.GetJsonAsync(E()))["participation"]!["voters"]!.GetValue<long>());

        // Nothing before the close: not to members, not to the public.
        await (await y.Owners[0].GetAsync(E("/result"))).AssertProblem(409, Codes.EvaluationNotClosed);
        // (Public pages are cached for seconds: the English page is asked before the close, the Chinese one after.)
        Assert.Equal(404, (int)(await App.Anonymous().GetAsync(y.Public($"/evaluations/{id}?lang=en"))).StatusCode);

        App.Clock.Set(Start.AddDays(10));
        await (await y.Owners[1].PostAsync(E("/responses"), new { scores = Scores(1, 1, 1) })).AssertProblem(409, Codes.EvaluationNotOpen);
        var result = await y.Owners[2].GetJsonAsync(E("/result"));
        Assert.Equal(3, result["participation"]!["voters"]!.GetValue<long>());
        Assert.Equal(3, result["participation"]!["eligible"]!.GetValue<long>());
        var dims = result["dimensions"]!.AsArray();
        Assert.Equal("服务态度", dims[0]!["name"]!.GetValue<string>());
        Assert.Equal(4m, dims[0]!["mean"]!.GetValue<decimal>());             // (4 + 5 + 3) / 3
        Assert.Equal(4.33m, dims[1]!["mean"]!.GetValue<decimal>());          // (5 + 4 + 4) / 3
        Assert.Equal(2.67m, dims[2]!["mean"]!.GetValue<decimal>());          // (3 + 3 + 2) / 3, half up
        Assert.Equal([0L, 0, 1, 1, 1], dims[0]!["counts"]!.AsArray().Select(n => n!.GetValue<long>()));
        Assert.Equal(0, dims.Sum(d => d!["counts"]![0]!.GetValue<long>())); // the first answer (all 1s) was superseded

        var json = await App.Anonymous().Http.GetStringAsync(y.Public($"/evaluations/{id}.json"));
        var page = await App.Anonymous().Http.GetStringAsync(y.Public($"/evaluations/{id}"));
        var overview = await App.Anonymous().Http.GetStringAsync(y.Public("/accountability"));
        foreach (var text in new[] { json, page, overview, result.ToJsonString() })
        {
            Assert.DoesNotContain("公示不够及时", text);
            Assert.DoesNotContain("还不错", text);
            Assert.DoesNotContain("8栋", text);
        }
        Assert.Contains("4.33", page);
        Assert.Contains("2026年度受托人服务评价", overview);
        Assert.Contains("<svg", overview);
        var parsed = new HtmlParser().ParseDocument(page);
        Assert.Equal("zh-CN", parsed.DocumentElement.GetAttribute("lang"));
        Assert.Contains("Evaluations of the trustee", await App.Anonymous().Http.GetStringAsync(y.Public("/accountability?lang=en")));
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task Bad_evaluation_input_is_refused_and_changes_nothing()
    {
        var y = await YardAsync();
        var body = new { title = "季度评价", opensAt = Start.AddDays(1), closesAt = Start.AddDays(5), dimensions = new[] { "服务态度", "保洁", "公开透明" } };
        await (await y.Owners[0].PostAsync(y.P("/evaluations"), body)).AssertProblem(403, Codes.Forbidden);
        await (await y.Admin.PostAsync(y.P("/evaluations"), body with { closesAt = Start })).AssertProblem(400, Codes.ValidationFailed);
        await (await y.Admin.PostAsync(y.P("/evaluations"), body with { dimensions = new[] { "保洁", "保洁" } })).AssertProblem(400, Codes.ValidationFailed);
        await (await y.Admin.PostAsync(y.P("/evaluations"), body with { dimensions = new[] { "保洁", " 保洁 " } })).AssertProblem(400, Codes.ValidationFailed); // once a 500
        await (await y.Admin.PostAsync(y.P("/evaluations"), body with { opensAt = Start.AddDays(-9), closesAt = Start.AddDays(-1) })).AssertProblem(422, Codes.EvaluationDatesInvalid);
        Assert.Empty((await y.Admin.GetJsonAsync(y.P("/evaluations")))["items"]!.AsArray());
        var id = (await (await y.Admin.PostAsync(y.P("/evaluations"), body)).AssertStatus(201))["id"]!.GetValue<long>();
        string E(string path = "") => y.P($"/evaluations/{id}{path}");

        await (await y.Owners[0].PostAsync(E("/responses"), new { scores = Scores(4, 4, 4) })).AssertProblem(409, Codes.EvaluationNotOpen); // not open yet
        App.Clock.Set(Start.AddDays(2));
        await (await y.Owners[0].PostAsync(E("/responses"), new { scores = Scores(6, 4, 4) })).AssertProblem(400, Codes.ValidationFailed);
        await (await y.Owners[0].PostAsync(E("/responses"), new { scores = Scores(0, 4, 4) })).AssertProblem(400, Codes.ValidationFailed);
        await (await y.Owners[0].PostRawAsync(E("/responses"), """{"scores":{"服务态度":4.5,"保洁":4,"公开透明":4}}""")).AssertProblem(400, Codes.MalformedRequest);
        await (await y.Owners[0].PostAsync(E("/responses"), new { scores = new Dictionary<string, int> { ["服务态度"] = 4, ["保洁"] = 4 } })).AssertProblem(422, Codes.EvaluationScoresInvalid);
        await (await y.Owners[0].PostAsync(E("/responses"), new { scores = new Dictionary<string, int> { ["服务态度"] = 4, ["保洁"] = 4, ["公开透明"] = 4, ["绿化"] = 4 } })).AssertProblem(422, Codes.EvaluationScoresInvalid);
        await (await y.Unhoused.PostAsync(E("/responses"), new { scores = Scores(4, 4, 4) })).AssertProblem(403, Codes.NotAVoter);
        await (await y.Trustee.PostAsync(E("/responses"), new { scores = Scores(5, 5, 5) })).AssertProblem(403, Codes.Forbidden);
        await (await y.Owners[0].PostAsync(y.P("/evaluations/999999/responses"), new { scores = Scores(4, 4, 4) })).AssertProblem(404, Codes.NotFound);
        Assert.Equal(0, (await y.Admin.GetJsonAsync(E()))["participation"]!["voters"]!.GetValue<long>());

        // Two answers only: after the close the distribution would give them away, so only participation is published.
        await (await y.Owners[0].PostAsync(E("/responses"), new { scores = Scores(5, 5, 5) })).AssertStatus(201);
        await (await y.Owners[1].PostAsync(E("/responses"), new { scores = Scores(1, 1, 1) })).AssertStatus(201);
        App.Clock.Set(Start.AddDays(6));
        var result = await y.Owners[0].GetJsonAsync(E("/result"));
        Assert.True(result["suppressed"]!.GetValue<bool>());
        Assert.Equal(2, result["participation"]!["voters"]!.GetValue<long>());
        Assert.All(result["dimensions"]!.AsArray(), d => Assert.Null(d!["mean"]));
        Assert.All(result["dimensions"]!.AsArray(), d => Assert.All(d!["counts"]!.AsArray(), n => Assert.Equal(0, n!.GetValue<long>())));

        using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        Assert.Equal(2, await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM evaluation_responses WHERE evaluation_id = @id", new { id }));
        await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteAsync("UPDATE evaluation_scores SET score = 5"));
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task Every_decided_spending_request_has_a_public_whole_process_page_linked_from_the_statement()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var requests = (await y.Trustee.GetJsonAsync(y.P("/spending-requests")))["items"]!.AsArray();
        var paid = requests.Single(r => r!["status"]!.GetValue<string>() == "paid")!;
        var id = paid["id"]!.GetValue<long>();
        var seq = paid["paidSeq"]!.GetValue<long>();

        var story = await App.Anonymous().GetJsonAsync(y.Public($"/spending/{id}.json"));
        Assert.Equal(DisclosureYard.HostilePayee, story["payee"]!.GetValue<string>());
        Assert.Equal(150_000, story["amount"]!.GetValue<long>());
        Assert.Equal("6103", story["budgetLine"]!.GetValue<string>());
        Assert.Equal(2_000_000, story["lineBudget"]!.GetValue<long>());
        Assert.Equal(2_000_000, story["leftAtFiling"]!.GetValue<long>());
        var decision = Assert.Single(story["decisions"]!.AsArray())!;
        Assert.Equal("supervisor", decision["role"]!.GetValue<string>());
        Assert.Equal("同意", decision["comment"]!.GetValue<string>());
        Assert.Null(decision["userId"]);
        Assert.Equal(seq, story["payment"]!["seq"]!.GetValue<long>());
        var feed = await App.Anonymous().GetJsonAsync(y.Public($"/journal?after={seq - 1}&limit=1"));
        Assert.Equal(feed["items"]![0]!["entryHash"]!.GetValue<string>(), story["payment"]!["entryHash"]!.GetValue<string>());

        var html = await App.Anonymous().Http.GetStringAsync(y.Public($"/spending/{id}"));
        var doc = new HtmlParser().ParseDocument(html);
        Assert.Empty(doc.QuerySelectorAll("script"));
        Assert.Contains(DisclosureYard.HostilePayee, doc.Body!.TextContent);
        Assert.NotNull(doc.QuerySelector($"a[href^='/p/{y.Slug}/journal?after={seq - 1}']"));
        Assert.Contains("¥20,000.00", html);   // what was left on the line at filing
        Assert.Contains("监察人", html);

        var statement = new HtmlParser().ParseDocument(await App.Anonymous().Http.GetStringAsync(y.Public("/statements/2026-10")));
        Assert.NotNull(statement.QuerySelector($"a[href='/p/{y.Slug}/spending/{id}']"));

        // A request nobody has decided on has no public page yet; another community's id is not found.
        var pending = (await (await y.Trustee.PostAsync(y.P("/spending-requests"), new { payee = "某公司", amount = 1_000L, account = "6103", description = "待审", attachments = Array.Empty<string>() })).AssertStatus(201))["id"]!.GetValue<long>();
        Assert.Equal(404, (int)(await App.Anonymous().GetAsync(y.Public($"/spending/{pending}"))).StatusCode);
        Assert.Equal(404, (int)(await App.Anonymous().GetAsync($"/p/no-such-yard/spending/{id}")).StatusCode);
        await (await y.Supervisor.PostAsync(y.P($"/spending-requests/{pending}/decisions"), new { decision = "reject", comment = "报价不全" })).AssertStatus(200);
        var rejected = await App.Anonymous().GetJsonAsync(y.Public($"/spending/{pending}.json"));
        Assert.Equal("rejected", rejected["status"]!.GetValue<string>());
        Assert.Equal(2_000_000, rejected["lineBudget"]!.GetValue<long>());
        Assert.Equal(2_000_000 - 150_000, rejected["leftAtFiling"]!.GetValue<long>());
        Assert.Null(rejected["payment"]);
    }
}

public sealed class SqliteAccountabilityApiTests(SqliteFixture fixture) : AccountabilityApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresAccountabilityApiTests(PostgresFixture fixture) : AccountabilityApiTests(fixture), IClassFixture<PostgresFixture>;
