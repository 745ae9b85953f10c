using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>Owners' decisions, whole process (DESIGN.md section 10), through the API and the public pages, on each engine.</summary>
public abstract class DecisionsApiTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Opens = Start.AddDays(15);

    private sealed record Yard(string Slug, ApiClient Admin, ApiClient Committee, ApiClient Trustee, List<(long Unit, ApiClient Owner)> Owners)
    {
        public string P(string path) => $"/api/v1/communities/{Slug}{path}";
    }

    /// <summary>A community whose units (areas in m²) each have their own owner with a login.</summary>
    private async Task<Yard> YardAsync(params decimal[] areas)
    {
        App.Clock.Set(Start);
        var slug = await App.CommunityAsync("2026-01");
        var admin = await App.UserAsync(slug, "community_admin");
        var committee = await App.UserAsync(slug, "committee");
        var trustee = await App.UserAsync(slug, "trustee", "trustee_manager");
        var owners = new List<(long, ApiClient)>();
        for (var i = 0; i < areas.Length; i++)
        {
            var unit = await UnitAsync(slug, admin, $"{i + 1:D3}", areas[i]);
            owners.Add((unit, await OwnerLoginAsync(slug, admin, [unit], $"o{i}")));
        }
        return new Yard(slug, admin, committee, trustee, owners);
    }

    private static async Task<long> UnitAsync(string slug, ApiClient admin, string number, decimal area, bool delivered = true) =>
        (await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
            new { building = "9栋", number, use = "residential", area, areaSource = "registered", delivered })).AssertStatus(201))["id"]!.GetValue<long>();

    private async Task<ApiClient> OwnerLoginAsync(string slug, ApiClient admin, long[] units, string tag, string kind = "person")
    {
        var owner = (await (await admin.PostAsync($"/api/v1/communities/{slug}/owners", new { name = "业主" + tag + "姓名", kind, unitIds = units })).AssertStatus(201))["id"]!.GetValue<long>();
        var code = (await (await admin.PostAsync($"/api/v1/communities/{slug}/owners/{owner}/invitations", null)).AssertStatus(201))["code"]!.GetValue<string>();
        var login = $"{tag}-{slug}";
        await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login, password = "owner password 1" })).AssertStatus(201);
        return await App.LoginAsync(login, "owner password 1");
    }

    private static async Task<JsonObject> ProposeAsync(Yard y, ApiClient owner, string title = "更换小区门禁系统") =>
        await (await owner.PostAsync(y.P("/proposals"), new { title, body = "门禁老化，建议整体更换。" })).AssertStatus(201);

    private static (decimal Area, long Headcount) Support(JsonObject p) => (p["support"]!["area"]!.GetValue<decimal>(), p["support"]!["headcount"]!.GetValue<long>());

    /// <summary>Announces a motion now (opening after the default notice) and moves the clock to its opening.</summary>
    private async Task<long> OpenMotionAsync(Yard y, int days = 7, long? proposalId = null)
    {
        var id = (await (await y.Committee.PostAsync(y.P("/motions"), new
        {
            kind = "other", title = "是否更换门禁", body = "请业主表决。", opensAt = Opens, closesAt = Opens.AddDays(days), proposalId,
        })).AssertStatus(201))["id"]!.GetValue<long>();
        App.Clock.Set(Opens);
        return id;
    }

    private static async Task<string> UploadAsync(ApiClient who, string path, byte[]? bytes = null)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes ?? [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 7, 7, 7, (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(256)]);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        content.Add(file, "file", "ballot.png");
        return (await (await who.Http.PostAsync(path, content)).AssertStatus(201))["sha256"]!.GetValue<string>();
    }

    private async Task<long> CountAsync(string sql, object param)
    {
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        return await Dapper.SqlMapper.QuerySingleAsync<long>(connection, sql, param);
    }

    // ------------------------------------------------------------------ proposals

    [SkippableFact]
    public async Task A_proposal_below_20_percent_of_the_area_collects_and_at_20_percent_qualifies()
    {
        // 19.99 of 100.00 m² with 1 of 5 voters (20% headcount): not enough area.
        var y = await YardAsync(19.99m, 20.01m, 20m, 20m, 20m);
        var p = await ProposeAsync(y, y.Owners[0].Owner);
        Assert.Equal("collecting", p["status"]!.GetValue<string>());
        Assert.Equal((19.99m, 1L), Support(p));
        Assert.Equal(100m, p["total"]!["area"]!.GetValue<decimal>());
        Assert.Equal(5, p["total"]!["headcount"]!.GetValue<long>());
        Assert.Null(p["respondBy"]);

        // Exactly 20.00 of 100.00 m² with 1 of 5 voters: qualified, with the default 30 days to respond.
        var z = await YardAsync(20m, 20m, 20m, 20m, 20m);
        var q = await ProposeAsync(z, z.Owners[0].Owner);
        Assert.Equal("qualified", q["status"]!.GetValue<string>());
        Assert.Equal(Dates.Instant(Start), q["qualifiedAt"]!.GetValue<string>());
        Assert.Equal(Dates.Instant(Start.AddDays(30)), q["respondBy"]!.GetValue<string>());

        // The first yard qualifies once a second voter supports it.
        var supported = await (await y.Owners[1].Owner.PostAsync(y.P($"/proposals/{p["id"]}/support"), null)).AssertStatus(200);
        Assert.Equal("qualified", supported["status"]!.GetValue<string>());
        Assert.Equal((40m, 2L), Support(supported));
    }

    [SkippableFact]
    public async Task A_proposal_with_enough_area_but_below_20_percent_of_the_headcount_collects()
    {
        // 20% of the area, 1 of 6 voters (16.7%), then 2 of 6 (33%).
        var y = await YardAsync(20m, 16m, 16m, 16m, 16m, 16m);
        var p = await ProposeAsync(y, y.Owners[0].Owner);
        Assert.Equal("collecting", p["status"]!.GetValue<string>());
        Assert.Equal((20m, 1L), Support(p));
        var id = p["id"]!.GetValue<long>();
        var after = await (await y.Owners[1].Owner.PostAsync(y.P($"/proposals/{id}/support"), null)).AssertStatus(200);
        Assert.Equal("qualified", after["status"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task A_buyer_of_several_units_and_the_developer_each_support_once_and_count_once()
    {
        var y = await YardAsync(10m, 10m, 10m, 10m, 10m, 10m);
        var a = await UnitAsync(y.Slug, y.Admin, "201", 30m);
        var b = await UnitAsync(y.Slug, y.Admin, "202", 40m);
        var buyer = await OwnerLoginAsync(y.Slug, y.Admin, [a, b], "buyer");
        await UnitAsync(y.Slug, y.Admin, "301", 50m, delivered: false);
        await UnitAsync(y.Slug, y.Admin, "302", 50m, delivered: false);
        var developer = await OwnerLoginAsync(y.Slug, y.Admin, [], "dev", "developer");

        // Register: 6 owners + the buyer + the developer = 8 voters; 60 + 70 + 100 = 230 m².
        var p = await ProposeAsync(y, buyer);
        Assert.Equal((70m, 1L), Support(p));
        Assert.Equal(8, p["total"]!["headcount"]!.GetValue<long>());
        Assert.Equal(230m, p["total"]!["area"]!.GetValue<decimal>());
        var id = p["id"]!.GetValue<long>();
        await (await buyer.PostAsync(y.P($"/proposals/{id}/support"), null)).AssertProblem(409, DecisionCodes.AlreadySupported);

        // 170 m² (73.9%) but 2 of 8 voters (25%): qualified only with the developer counted once.
        var withDeveloper = await (await developer.PostAsync(y.P($"/proposals/{id}/support"), null)).AssertStatus(200);
        Assert.Equal((170m, 2L), Support(withDeveloper));
        Assert.Equal("qualified", withDeveloper["status"]!.GetValue<string>());
        await (await developer.PostAsync(y.P($"/proposals/{id}/support"), null)).AssertProblem(409, DecisionCodes.AlreadySupported);
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = @id", new { id }));

        // Staff are not owners; an unknown proposal is 404; another community sees nothing.
        await (await y.Trustee.PostAsync(y.P($"/proposals/{id}/support"), null)).AssertProblem(403, Codes.Forbidden);
        await (await y.Owners[0].Owner.PostAsync(y.P("/proposals/999999/support"), null)).AssertProblem(404, Codes.NotFound);
        await (await y.Owners[0].Owner.PostAsync(y.P("/proposals"), new { title = "", body = "x" })).AssertProblem(400, Codes.ValidationFailed);
        var other = await YardAsync(50m);
        await (await other.Owners[0].Owner.PostAsync(y.P($"/proposals/{id}/support"), null)).AssertProblem(404, Codes.NotFound);
    }

    [SkippableFact]
    public async Task Proposals_are_public_and_never_name_their_supporters()
    {
        var y = await YardAsync(30m, 30m, 40m);
        var p = await ProposeAsync(y, y.Owners[0].Owner, "增设电动车充电桩");
        var id = p["id"]!.GetValue<long>();
        await (await y.Owners[1].Owner.PostAsync(y.P($"/proposals/{id}/support"), null)).AssertStatus(200);

        var api = await (await App.Anonymous().GetAsync(y.P($"/proposals/{id}"))).AssertStatus(200);
        Assert.Equal("增设电动车充电桩", api["title"]!.GetValue<string>());
        Assert.Equal((60m, 2L), Support(api));
        var list = await App.Anonymous().GetJsonAsync(y.P("/proposals"));
        Assert.Single(list["items"]!.AsArray());
        await (await App.Anonymous().GetAsync("/api/v1/communities/no-such-place/proposals/1")).AssertProblem(404, Codes.NotFound);
        await (await App.Anonymous().GetAsync(y.P("/proposals/999999"))).AssertProblem(404, Codes.NotFound);

        foreach (var path in new[] { $"/p/{y.Slug}", $"/p/{y.Slug}/proposals/{id}", $"/p/{y.Slug}?lang=en", $"/p/{y.Slug}/proposals/{id}?lang=en" })
        {
            var html = await (await App.Anonymous().GetAsync(path)).Content.ReadAsStringAsync();
            Assert.Contains("增设电动车充电桩", html);
            Assert.DoesNotContain("业主o0", html); // owners' names
            Assert.DoesNotContain("业主o1", html);
            Assert.DoesNotContain($"o1-{y.Slug}", html); // logins
        }
        var zh = await (await App.Anonymous().GetAsync($"/p/{y.Slug}/proposals/{id}")).Content.ReadAsStringAsync();
        Assert.Contains("已达联名比例", zh);
        var en = new HtmlParser().ParseDocument(await (await App.Anonymous().GetAsync($"/p/{y.Slug}?lang=en")).Content.ReadAsStringAsync());
        var row = en.QuerySelectorAll("tr").Single(r => r.TextContent.Contains("增设电动车充电桩"));
        Assert.Contains("Qualified", row.TextContent);
        Assert.Contains("2/3", row.TextContent);
        Assert.Contains("60.00%", row.TextContent);
    }

    [SkippableFact]
    public async Task A_qualified_proposal_is_overdue_past_the_response_period_until_a_motion_answers_it()
    {
        var y = await YardAsync(10m, 10m, 10m, 10m, 10m, 10m, 10m, 10m, 10m, 10m);
        var terms = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(FeesApiTests.TrustTermsJson()))!.AsObject();
        terms["votes"] = new JsonObject { ["noticeDays"] = 20, ["proposalResponseDays"] = 10 };
        await (await y.Admin.PutAsync(y.P("/trust-terms"), terms)).AssertStatus(200);
        Assert.Equal(20, (await y.Admin.GetJsonAsync(y.P("/trust-terms")))["terms"]!["votes"]!["noticeDays"]!.GetValue<int>());

        var qualified = (await ProposeAsync(y, y.Owners[0].Owner))["id"]!.GetValue<long>();
        var collectingId = (await ProposeAsync(y, y.Owners[2].Owner, "另一项提案"))["id"]!.GetValue<long>();
        await (await y.Owners[1].Owner.PostAsync(y.P($"/proposals/{qualified}/support"), null)).AssertStatus(200);
        App.Clock.Set(Start.AddDays(10));
        Assert.Equal("qualified", (await App.Anonymous().GetJsonAsync(y.P($"/proposals/{qualified}")))["status"]!.GetValue<string>());
        App.Clock.Set(Start.AddDays(10).AddSeconds(1));
        Assert.Equal("overdue", (await App.Anonymous().GetJsonAsync(y.P($"/proposals/{qualified}")))["status"]!.GetValue<string>());
        var page = await (await App.Anonymous().GetAsync($"/p/{y.Slug}/proposals/{qualified}")).Content.ReadAsStringAsync();
        Assert.Contains("逾期未提交表决", page);

        var now = App.Clock.GetUtcNow();
        object Motion(long? proposalId, DateTimeOffset opensAt) => new { kind = "other", title = "表决提案", body = "x", opensAt, closesAt = opensAt.AddDays(7), proposalId };
        var before = await CountAsync("SELECT COUNT(*) FROM motions WHERE community_id = (SELECT id FROM communities WHERE slug = @Slug)", new { y.Slug });
        await (await y.Committee.PostAsync(y.P("/motions"), Motion(collectingId, now.AddDays(20)))).AssertProblem(422, DecisionCodes.ProposalNotQualified);
        await (await y.Committee.PostAsync(y.P("/motions"), Motion(999999, now.AddDays(20)))).AssertProblem(422, DecisionCodes.UnknownProposal);
        await (await y.Committee.PostAsync(y.P("/motions"), Motion(qualified, now.AddDays(19)))).AssertProblem(422, DecisionCodes.NoticeTooShort);
        Assert.Equal(before, await CountAsync("SELECT COUNT(*) FROM motions WHERE community_id = (SELECT id FROM communities WHERE slug = @Slug)", new { y.Slug }));

        var motion = await (await y.Committee.PostAsync(y.P("/motions"), Motion(qualified, now.AddDays(20)))).AssertStatus(201);
        Assert.Equal(qualified, motion["proposalId"]!.GetValue<long>());
        // Answered late: overdue until the vote opens, then voted.
        var answered = await App.Anonymous().GetJsonAsync(y.P($"/proposals/{qualified}"));
        Assert.Equal("overdue", answered["status"]!.GetValue<string>());
        Assert.Equal(motion["id"]!.GetValue<long>(), answered["motionId"]!.GetValue<long>());
        App.Clock.Set(now.AddDays(20));
        Assert.Equal("voted", (await App.Anonymous().GetJsonAsync(y.P($"/proposals/{qualified}")))["status"]!.GetValue<string>());
        App.Clock.Set(now);
        await (await y.Committee.PostAsync(y.P("/motions"), Motion(qualified, now.AddDays(20)))).AssertProblem(409, DecisionCodes.ProposalAnswered);
        await (await y.Owners[1].Owner.PostAsync(y.P($"/proposals/{qualified}/support"), null)).AssertProblem(409, DecisionCodes.ProposalAnswered);
        Assert.Equal(before + 1, await CountAsync("SELECT COUNT(*) FROM motions WHERE community_id = (SELECT id FROM communities WHERE slug = @Slug)", new { y.Slug }));
    }

    [SkippableFact]
    public async Task A_vote_announced_to_open_after_the_response_period_does_not_answer_a_proposal_in_time()
    {
        // Default terms: a qualified proposal must be put to a vote within 30 days (respondBy), with 15 days' notice.
        var y = await YardAsync(10m, 10m, 10m, 10m, 10m, 10m, 10m, 10m, 10m, 10m);
        async Task<long> QualifiedAsync(string title)
        {
            var id = (await ProposeAsync(y, y.Owners[0].Owner, title))["id"]!.GetValue<long>();
            Assert.Equal("qualified", (await (await y.Owners[1].Owner.PostAsync(y.P($"/proposals/{id}/support"), null)).AssertStatus(200))["status"]!.GetValue<string>());
            return id;
        }
        async Task<string> StatusAsync(long id) => (await App.Anonymous().GetJsonAsync(y.P($"/proposals/{id}")))["status"]!.GetValue<string>();
        async Task<long> AnswerAsync(long proposalId, DateTimeOffset opensAt) => (await (await y.Committee.PostAsync(y.P("/motions"), new
        {
            kind = "other", title = "表决提案", body = "请业主表决。", opensAt, closesAt = opensAt.AddDays(7), proposalId,
        })).AssertStatus(201))["id"]!.GetValue<long>();

        var farOff = await QualifiedAsync("更换门禁（远期表决）");
        var late = await QualifiedAsync("更换门禁（逾期表决）");
        var inTime = await QualifiedAsync("更换门禁（按期表决）");
        var respondBy = Start.AddDays(30);
        Assert.Equal(Dates.Instant(respondBy), (await App.Anonymous().GetJsonAsync(y.P($"/proposals/{farOff}")))["respondBy"]!.GetValue<string>());
        await AnswerAsync(farOff, new DateTimeOffset(2999, 1, 1, 1, 0, 0, TimeSpan.Zero));
        await AnswerAsync(late, respondBy.AddDays(5));
        await AnswerAsync(inTime, respondBy);

        // Before the deadline: the in-time vote answers its proposal; the others still wait for a vote in time.
        Assert.Equal("voted", await StatusAsync(inTime));
        Assert.Equal("qualified", await StatusAsync(farOff));
        Assert.Equal("qualified", await StatusAsync(late));

        // Past the deadline without a vote open: overdue, on the API and the public page, however far off the vote is.
        App.Clock.Set(respondBy.AddSeconds(1));
        Assert.Equal("overdue", await StatusAsync(farOff));
        Assert.Equal("overdue", await StatusAsync(late));
        Assert.Equal("voted", await StatusAsync(inTime));
        Assert.Contains("逾期未提交表决", await (await App.Anonymous().GetAsync($"/p/{y.Slug}/proposals/{farOff}")).Content.ReadAsStringAsync());
        var listed = (await App.Anonymous().GetJsonAsync(y.P("/proposals")))["items"]!.AsArray();
        Assert.Equal("overdue", listed.Single(p => p!["id"]!.GetValue<long>() == farOff)!["status"]!.GetValue<string>());

        // A late vote answers the proposal once it opens; the far-off one still leaves it overdue a year on.
        App.Clock.Set(respondBy.AddDays(5));
        Assert.Equal("voted", await StatusAsync(late));
        App.Clock.Set(respondBy.AddDays(365));
        Assert.Equal("overdue", await StatusAsync(farOff));
    }

    [SkippableFact]
    public async Task A_motion_that_answers_a_proposal_names_it_when_read_back()
    {
        var y = await YardAsync(50m, 50m);
        var proposal = (await ProposeAsync(y, y.Owners[0].Owner))["id"]!.GetValue<long>();
        var motion = await OpenMotionAsync(y, proposalId: proposal);
        Assert.Equal(proposal, (await y.Owners[1].Owner.GetJsonAsync(y.P($"/motions/{motion}")))["proposalId"]!.GetValue<long>());
        var listed = (await y.Owners[1].Owner.GetJsonAsync(y.P("/motions")))["items"]!.AsArray().Single(m => m!["id"]!.GetValue<long>() == motion)!;
        Assert.Equal(proposal, listed["proposalId"]!.GetValue<long>());
        App.Clock.Set(Start);
        var plain = await OpenMotionAsync(y);
        Assert.Null((await y.Owners[1].Owner.GetJsonAsync(y.P($"/motions/{plain}")))["proposalId"]);
    }

    [SkippableFact]
    public async Task A_scheduled_motion_has_no_result_to_read_yet()
    {
        var y = await YardAsync(100m);
        var id = (await (await y.Committee.PostAsync(y.P("/motions"), new { kind = "other", title = "尚未开始", body = "x", opensAt = Opens, closesAt = Opens.AddDays(7) })).AssertStatus(201))["id"]!.GetValue<long>();
        // API.md: a result's status is open or closed; before the opening members are told the vote is not open.
        await (await y.Owners[0].Owner.GetAsync(y.P($"/motions/{id}/result"))).AssertProblem(409, Codes.MotionNotOpen);
        await (await App.Anonymous().GetAsync(y.P($"/motions/{id}/result"))).AssertProblem(404, Codes.NotFound);
        App.Clock.Set(Opens);
        Assert.Equal("open", (await y.Owners[0].Owner.GetJsonAsync(y.P($"/motions/{id}/result")))["status"]!.GetValue<string>());
    }

    // ------------------------------------------------------------------ notice

    [SkippableFact]
    public async Task A_motion_opens_no_earlier_than_the_notice_period_after_it_is_announced()
    {
        var y = await YardAsync(100m);
        object Motion(DateTimeOffset opensAt) => new { kind = "other", title = "公告期", body = "x", opensAt, closesAt = opensAt.AddDays(7) };
        // No trust terms: the default 15 days.
        var refused = await (await y.Committee.PostAsync(y.P("/motions"), Motion(Start.AddDays(15).AddSeconds(-1)))).AssertProblem(422, DecisionCodes.NoticeTooShort);
        Assert.Contains("15", refused["detail"]!.GetValue<string>());
        await (await y.Committee.PostAsync(y.P("/motions"), Motion(Start))).AssertProblem(422, DecisionCodes.NoticeTooShort);
        Assert.Empty((await y.Committee.GetJsonAsync(y.P("/motions")))["items"]!.AsArray());
        var accepted = await (await y.Committee.PostAsync(y.P("/motions"), Motion(Start.AddDays(15)))).AssertStatus(201);
        Assert.Equal("scheduled", accepted["status"]!.GetValue<string>());

        // Trust terms without a votes section: still 15 days. With one: its period.
        await (await y.Admin.PutAsync(y.P("/trust-terms"), FeesApiTests.TrustTermsJson())).AssertStatus(200);
        await (await y.Committee.PostAsync(y.P("/motions"), Motion(Start.AddDays(14)))).AssertProblem(422, DecisionCodes.NoticeTooShort);
        var terms = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(FeesApiTests.TrustTermsJson()))!.AsObject();
        terms["votes"] = new JsonObject { ["noticeDays"] = 7 };
        await (await y.Admin.PutAsync(y.P("/trust-terms"), terms)).AssertStatus(200);
        await (await y.Committee.PostAsync(y.P("/motions"), Motion(Start.AddDays(7)))).AssertStatus(201);
        terms["votes"] = new JsonObject { ["noticeDays"] = 0 };
        await (await y.Admin.PutAsync(y.P("/trust-terms"), terms)).AssertProblem(400, Codes.ValidationFailed);

        // The public page lists the announced votes before they open.
        var page = new HtmlParser().ParseDocument(await (await App.Anonymous().GetAsync($"/p/{y.Slug}")).Content.ReadAsStringAsync());
        Assert.Equal(2, page.QuerySelectorAll("tr").Count(r => r.TextContent.Contains("公告期") && r.TextContent.Contains("已公告")));
        var motionPage = await (await App.Anonymous().GetAsync($"/p/{y.Slug}/motions/{accepted["id"]}")).Content.ReadAsStringAsync();
        Assert.Contains("已公告，尚未开始", motionPage);
        Assert.Contains("2026-12-06 10:00", motionPage); // opens 15 days on, in Asia/Shanghai
    }

    // ------------------------------------------------------------------ paper ballots

    [SkippableFact]
    public async Task A_paper_ballot_counts_like_an_online_one_and_a_voter_has_one_channel()
    {
        var y = await YardAsync(100m, 100m, 100m, 100m);
        var motion = await OpenMotionAsync(y);
        var scan = await UploadAsync(y.Committee, y.P("/attachments"));
        var scan2 = await UploadAsync(y.Committee, y.P("/attachments"));
        object Paper(long unit, string choice, string s) => new { unitId = unit, choice, scan = s };

        var receipt = (await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(y.Owners[0].Unit, "yes", scan))).AssertStatus(201))["receipt"]!.GetValue<string>();
        var online = (await (await y.Owners[1].Owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201))["receipt"]!.GetValue<string>();

        // Paper then online, online then paper, paper twice: refused, nothing written.
        await (await y.Owners[0].Owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "no" })).AssertProblem(409, DecisionCodes.AlreadyVoted);
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(y.Owners[1].Unit, "no", scan2))).AssertProblem(409, DecisionCodes.AlreadyVoted);
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(y.Owners[0].Unit, "no", scan2))).AssertProblem(409, DecisionCodes.AlreadyVoted);
        // Bad input.
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(y.Owners[2].Unit, "yes", new string('a', 64)))).AssertProblem(422, Codes.UnknownAttachment);
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(999999, "yes", scan2))).AssertProblem(422, Codes.UnknownUnit);
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(y.Owners[2].Unit, "maybe", scan2))).AssertProblem(400, Codes.ValidationFailed);
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), new { unitId = y.Owners[2].Unit, choice = "yes" })).AssertProblem(400, Codes.ValidationFailed);
        await (await y.Owners[2].Owner.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(y.Owners[2].Unit, "yes", scan2))).AssertProblem(403, Codes.Forbidden);
        await (await y.Committee.PostAsync(y.P("/motions/999999/paper-ballots"), Paper(y.Owners[2].Unit, "yes", scan2))).AssertProblem(404, Codes.NotFound);
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM ballots WHERE motion_id = @motion", new { motion }));

        // A unit added after the opening is not on the register.
        var late = await UnitAsync(y.Slug, y.Admin, "999", 100m);
        await OwnerLoginAsync(y.Slug, y.Admin, [late], "late");
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(late, "yes", scan2))).AssertProblem(422, DecisionCodes.UnitNotOnRegister);

        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(y.Owners[2].Unit, "no", scan2))).AssertStatus(201);

        // Live: participation by area and headcount against the quorum, and the channels; never a score.
        var live = (await y.Owners[3].Owner.GetJsonAsync(y.P($"/motions/{motion}")))["result"]!.AsObject();
        Assert.Equal(3, live["totals"]!["participating"]!["headcount"]!.GetValue<long>());
        Assert.Equal(0, live["totals"]!["yes"]!["headcount"]!.GetValue<long>());
        Assert.Equal(266.67m, live["quorum"]!["needed"]!["area"]!.GetValue<decimal>()); // ⌈2/3 × 40000⌉ hundredths of a m²
        Assert.Equal(3, live["quorum"]!["needed"]!["headcount"]!.GetValue<long>());
        Assert.Equal(0, live["quorum"]!["missing"]!["headcount"]!.GetValue<long>());
        Assert.Equal(2, live["channels"]!["paper"]!.GetValue<long>());
        Assert.Equal(1, live["channels"]!["online"]!.GetValue<long>());
        var openPage = await (await App.Anonymous().GetAsync($"/p/{y.Slug}/motions/{motion}?lang=en")).Content.ReadAsStringAsync();
        Assert.Contains("Still missing", openPage);
        Assert.DoesNotContain(">Yes<", openPage);

        // The committee's trail holds every scan; the public does not.
        var trail = await y.Committee.GetJsonAsync(y.P($"/motions/{motion}/paper-ballots"));
        Assert.Equal([scan, scan2], trail["items"]!.AsArray().Select(i => i!["scan"]!.GetValue<string>()));
        Assert.Equal("9栋-001", trail["items"]![0]!["unit"]!.GetValue<string>());
        await (await App.Anonymous().GetAsync(y.P($"/motions/{motion}/paper-ballots"))).AssertStatus(401);
        var file = await y.Committee.GetAsync(y.P($"/attachments/{scan}"));
        Assert.Equal(System.Net.HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("image/png", file.Content.Headers.ContentType?.MediaType);
        var audit = await y.Committee.GetJsonAsync(y.P("/audit"));
        Assert.Equal(2, audit["items"]!.AsArray().Count(a => a!["action"]!.GetValue<string>() == "ballot.paper" && a["detail"]!.GetValue<string>().Contains("scan ")));

        App.Clock.Set(Opens.AddDays(7));
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), Paper(y.Owners[3].Unit, "yes", scan2))).AssertProblem(409, Codes.MotionNotOpen);
        var result = await App.Anonymous().GetJsonAsync(y.P($"/motions/{motion}/result"));
        Assert.True(result["quorumMet"]!.GetValue<bool>());
        Assert.True(result["passed"]!.GetValue<bool>()); // 2 yes of 3 on both counts
        Assert.Equal(2, result["totals"]!["yes"]!["headcount"]!.GetValue<long>());
        Assert.Equal(1, result["totals"]!["no"]!["headcount"]!.GetValue<long>());
        Assert.Equal(2, result["channels"]!["paper"]!.GetValue<long>());
        Assert.Equal(1, result["channels"]!["online"]!.GetValue<long>());
        var receipts = result["receipts"]!.AsArray().Select(r => (r!["receiptHash"]!.GetValue<string>(), r["choice"]!.GetValue<string>())).ToList();
        Assert.Contains((BallotReceipts.Hash(receipt), "yes"), receipts);
        Assert.Contains((BallotReceipts.Hash(online), "yes"), receipts);
        var page = await (await App.Anonymous().GetAsync($"/p/{y.Slug}/motions/{motion}")).Content.ReadAsStringAsync();
        Assert.Contains("纸质表决票", page);
        Assert.DoesNotContain(scan, page);
    }

    [SkippableFact]
    public async Task Paper_ballot_scans_and_their_trail_are_for_the_committee_and_the_supervisor_only()
    {
        var y = await YardAsync(100m, 100m, 100m);
        var supervisor = await App.UserAsync(y.Slug, "supervisor");
        var motion = await OpenMotionAsync(y);
        var scan = await UploadAsync(y.Committee, y.P("/attachments"));
        var voucher = await UploadAsync(y.Trustee, y.P("/attachments"), "%PDF-1.4 invoice"u8.ToArray());
        await (await y.Committee.PostAsync(y.P($"/motions/{motion}/paper-ballots"), new { unitId = y.Owners[0].Unit, choice = "no", scan })).AssertStatus(201);

        // The signed form shows how unit 001 voted: owners (the voter included) and the trustee are told no scan exists.
        foreach (var reader in new[] { y.Owners[0].Owner, y.Owners[1].Owner, y.Trustee, y.Admin })
        {
            await (await reader.GetAsync(y.P($"/attachments/{scan}"))).AssertProblem(404, Codes.NotFound);
            await (await reader.GetAsync(y.P($"/motions/{motion}/paper-ballots"))).AssertProblem(403, Codes.Forbidden);
        }
        foreach (var reader in new[] { y.Committee, supervisor })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await reader.GetAsync(y.P($"/attachments/{scan}"))).StatusCode);
            var trail = await reader.GetJsonAsync(y.P($"/motions/{motion}/paper-ballots"));
            Assert.Equal(scan, trail["items"]!.AsArray().Single()!["scan"]!.GetValue<string>());
        }
        // Other attachments keep their rule: any member reads them.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await y.Owners[1].Owner.GetAsync(y.P($"/attachments/{voucher}"))).StatusCode);

        // Still so once the vote is closed and its result public.
        App.Clock.Set(Opens.AddDays(7));
        await (await y.Owners[1].Owner.GetAsync(y.P($"/attachments/{scan}"))).AssertProblem(404, Codes.NotFound);
        await (await y.Owners[1].Owner.GetAsync(y.P($"/motions/{motion}/paper-ballots"))).AssertProblem(403, Codes.Forbidden);
    }

    // ------------------------------------------------------------------ follow-ups

    [SkippableFact]
    public async Task Only_a_passed_motion_takes_follow_ups_and_they_are_public_with_the_result()
    {
        var y = await YardAsync(100m, 100m, 100m);
        var passed = await OpenMotionAsync(y);
        App.Clock.Set(Start);
        var failed = await OpenMotionAsync(y);
        foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{passed}/ballots"), new { choice = "yes" })).AssertStatus(201);
        foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{failed}/ballots"), new { choice = "no" })).AssertStatus(201);
        object Note(string status, params string[] attachments) => new { status, note = "已与供应商签订合同", attachments };

        // While open: not passed yet.
        await (await y.Committee.PostAsync(y.P($"/motions/{passed}/follow-ups"), Note("planned"))).AssertProblem(409, DecisionCodes.MotionNotPassed);
        App.Clock.Set(Opens.AddDays(7));
        await (await y.Committee.PostAsync(y.P($"/motions/{failed}/follow-ups"), Note("planned"))).AssertProblem(409, DecisionCodes.MotionNotPassed);
        await (await y.Trustee.PostAsync(y.P("/motions/999999/follow-ups"), Note("planned"))).AssertProblem(404, Codes.NotFound);
        await (await y.Owners[0].Owner.PostAsync(y.P($"/motions/{passed}/follow-ups"), Note("planned"))).AssertProblem(403, Codes.Forbidden);
        await (await y.Committee.PostAsync(y.P($"/motions/{passed}/follow-ups"), Note("started"))).AssertProblem(400, Codes.ValidationFailed);
        await (await y.Committee.PostAsync(y.P($"/motions/{passed}/follow-ups"), Note("planned", new string('b', 64)))).AssertProblem(422, Codes.UnknownAttachment);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM motion_follow_ups WHERE motion_id IN (@passed, @failed)", new { passed, failed }));

        await (await y.Committee.PostAsync(y.P($"/motions/{passed}/follow-ups"), Note("planned"))).AssertStatus(201);
        var contract = await UploadAsync(y.Trustee, y.P("/attachments"), "%PDF-1.4 contract"u8.ToArray());
        var done = await (await y.Trustee.PostAsync(y.P($"/motions/{passed}/follow-ups"), new { status = "done", note = "门禁已全部更换并验收", attachments = new[] { contract } })).AssertStatus(201);
        Assert.Equal("trustee", done["role"]!.GetValue<string>());

        var result = await App.Anonymous().GetJsonAsync(y.P($"/motions/{passed}/result"));
        var followUps = result["followUps"]!.AsArray();
        Assert.Equal(["planned", "done"], followUps.Select(f => f!["status"]!.GetValue<string>()));
        Assert.Equal(["committee", "trustee"], followUps.Select(f => f!["role"]!.GetValue<string>()));
        Assert.Equal(contract, followUps[1]!["attachments"]![0]!.GetValue<string>());
        Assert.Empty((await App.Anonymous().GetJsonAsync(y.P($"/motions/{failed}/result")))["followUps"]!.AsArray());

        var page = await (await App.Anonymous().GetAsync($"/p/{y.Slug}/motions/{passed}")).Content.ReadAsStringAsync();
        Assert.Contains("门禁已全部更换并验收", page);
        Assert.Contains("已完成", page);
        Assert.Contains(contract, page);
        var en = await (await App.Anonymous().GetAsync($"/p/{y.Slug}/motions/{passed}?lang=en")).Content.ReadAsStringAsync();
        Assert.Contains("Implementation", en);
    }
}

public sealed class SqliteDecisionsApiTests(SqliteFixture fixture) : DecisionsApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresDecisionsApiTests(PostgresFixture fixture) : DecisionsApiTests(fixture), IClassFixture<PostgresFixture>;
