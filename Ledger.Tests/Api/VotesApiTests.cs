using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>Budgets adopted by owners' votes, through the API, on each engine.</summary>
public abstract class VotesApiTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    /// <summary>Motions are announced at Start and open after the default notice of 15 days.</summary>
    private static readonly DateTimeOffset Opens = Start.AddDays(15);

    private sealed record Yard(string Slug, ApiClient Admin, ApiClient Manager, List<(long Unit, ApiClient Owner)> Owners)
    {
        public string P(string path) => $"/api/v1/communities/{Slug}{path}";
    }

    /// <summary>A community whose units (areas in m²) each have their own owner with a login.</summary>
    private async Task<Yard> YardAsync(params decimal[] areas)
    {
        App.Clock.Set(Start);
        var slug = await App.CommunityAsync("2026-01");
        var admin = await App.UserAsync(slug, "community_admin", "committee");
        var manager = await App.UserAsync(slug, "trustee_manager", "trustee");
        var owners = new List<(long, ApiClient)>();
        for (var i = 0; i < areas.Length; i++)
        {
            var unit = (await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
                new { building = "5栋", number = $"{i + 1:D3}", use = "residential", area = areas[i], areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
            owners.Add((unit, await OwnerLoginAsync(slug, admin, [unit], $"o{i}")));
        }
        return new Yard(slug, admin, manager, owners);
    }

    private async Task<ApiClient> OwnerLoginAsync(string slug, ApiClient admin, long[] units, string tag, string kind = "person")
    {
        var owner = (await (await admin.PostAsync($"/api/v1/communities/{slug}/owners", new { name = "业主" + tag, kind, unitIds = units })).AssertStatus(201))["id"]!.GetValue<long>();
        var code = (await (await admin.PostAsync($"/api/v1/communities/{slug}/owners/{owner}/invitations", null)).AssertStatus(201))["code"]!.GetValue<string>();
        var login = $"{tag}-{slug}";
        await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login, password = "owner password 1" })).AssertStatus(201);
        return await App.LoginAsync(login, "owner password 1");
    }

    private static async Task<long> PublishedBudgetAsync(Yard y, long cleaning = 3_000_000)
    {
        var budget = await (await y.Manager.PostAsync(y.P("/budgets"), new
        {
            fiscalYear = 2026,
            lines = new[] { new { account = "6103", amount = cleaning, note = "保洁外包" }, new { account = "6105", amount = 5_000_000L, note = "秩序维护" } },
            income = new[] { new { account = "5101", amount = 9_000_000L, note = "" } },
        })).AssertStatus(201);
        var id = budget["id"]!.GetValue<long>();
        await (await y.Manager.PostAsync(y.P($"/budgets/{id}/publish"), null)).AssertStatus(200);
        return id;
    }

    /// <summary>Announces a motion now and moves the clock to its opening.</summary>
    private async Task<long> MotionAsync(Yard y, string kind, long? subjectId, int days = 7)
    {
        var id = (await (await y.Admin.PostAsync(y.P("/motions"), new
        {
            kind, subjectId, title = "表决 " + kind, body = "请业主表决。", opensAt = Opens, closesAt = Opens.AddDays(days),
        })).AssertStatus(201))["id"]!.GetValue<long>();
        App.Clock.Set(Opens);
        return id;
    }

    /// <summary>A budget for 2026 put in force by a vote every owner passed (the job run); the clock back at <see cref="Start"/>.</summary>
    private async Task<long> AdoptedBudgetAsync(Yard y)
    {
        var first = await PublishedBudgetAsync(y);
        var adopt = await MotionAsync(y, "budget_adoption", first);
        foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{adopt}/ballots"), new { choice = "yes" })).AssertStatus(201);
        App.Clock.Set(Opens.AddDays(7));
        Assert.True((await y.Admin.GetJsonAsync(y.P($"/motions/{adopt}")))["result"]!["passed"]!.GetValue<bool>());
        await ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services).RunAsync(); // the job persists the close and its effect
        App.Clock.Set(Start);
        return first;
    }

    /// <summary>A copy of <paramref name="motion"/> on another budget, written straight to the table: two budget votes of
    /// one year open at once, as could be announced before the one-at-a-time rule.</summary>
    private async Task<long> RivalMotionAsync(long motion, long subject)
    {
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        return await Dapper.SqlMapper.QuerySingleAsync<long>(connection, """
            INSERT INTO motions (community_id, kind, threshold, subject_id, title, body, opens_at, closes_at, follow_majority, status, created_by, created_at)
            SELECT community_id, kind, threshold, @subject, title, body, opens_at, closes_at, follow_majority, status, created_by, created_at FROM motions WHERE id = @motion
            RETURNING id
            """, new { subject, motion });
    }

    [SkippableFact]
    public async Task A_budget_is_drafted_published_commented_and_put_in_force_by_a_passed_vote()
    {
        var y = await YardAsync(100m, 90m, 80m);
        var id = await PublishedBudgetAsync(y);
        await (await y.Manager.PutAsync(y.P($"/budgets/{id}"), new { fiscalYear = 2026, lines = new[] { new { account = "6103", amount = 1L, note = "" } } }))
            .AssertProblem(409, Codes.BudgetNotDraft);
        var comment = await (await y.Owners[0].Owner.PostAsync(y.P($"/budgets/{id}/comments"), new { text = "保洁费偏高" })).AssertStatus(201);
        Assert.Equal("5栋-001", comment["author"]!.GetValue<string>());
        await (await y.Manager.PostAsync(y.P($"/budgets/{id}/comments"), new { text = "x" })).AssertProblem(403, Codes.Forbidden);

        var motion = await MotionAsync(y, "budget_adoption", id);
        var receipts = new List<string>();
        foreach (var (_, owner) in y.Owners.Take(2))
            receipts.Add((await (await owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201))["receipt"]!.GetValue<string>());
        var live = await y.Admin.GetJsonAsync(y.P($"/motions/{motion}"));
        Assert.Equal("open", live["status"]!.GetValue<string>());
        Assert.Equal(2, live["result"]!["totals"]!["participating"]!["headcount"]!.GetValue<long>());
        Assert.Equal(0, live["result"]!["totals"]!["yes"]!["headcount"]!.GetValue<long>()); // no running score while open

        await (await App.Anonymous().GetAsync(y.P($"/motions/{motion}/result"))).AssertProblem(404, Codes.NotFound);
        App.Clock.Set(Opens.AddDays(7));
        await (await y.Owners[2].Owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "no" })).AssertProblem(409, Codes.MotionNotOpen);

        var result = await App.Anonymous().GetJsonAsync(y.P($"/motions/{motion}/result"));
        Assert.Equal("closed", result["status"]!.GetValue<string>());
        Assert.True(result["quorumMet"]!.GetValue<bool>());
        Assert.True(result["passed"]!.GetValue<bool>());
        Assert.Equal(270m, result["totals"]!["eligible"]!["area"]!.GetValue<decimal>());
        Assert.Equal(190m, result["totals"]!["yes"]!["area"]!.GetValue<decimal>());
        var published = result["receipts"]!.AsArray().Select(r => (r!["receiptHash"]!.GetValue<string>(), r["choice"]!.GetValue<string>())).ToList();
        Assert.All(receipts, r => Assert.Contains((BallotReceipts.Hash(r), "yes"), published));

        // Reading the result did not put the budget in force: reads never write. The job does.
        Assert.Equal("published", (await y.Owners[2].Owner.GetJsonAsync(y.P($"/budgets/{id}")))["status"]!.GetValue<string>());
        await ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services).RunAsync(); // the job persists the close and its effect
        var budget = await y.Owners[2].Owner.GetJsonAsync(y.P($"/budgets/{id}"));
        Assert.Equal("adopted", budget["status"]!.GetValue<string>());
        Assert.Equal(motion, budget["motionId"]!.GetValue<long>());
        var execution = await y.Owners[2].Owner.GetJsonAsync(y.P($"/budgets/{id}/execution"));
        var cleaning = execution["lines"]!.AsArray().Single(l => l!["account"]!.GetValue<string>() == "6103")!;
        Assert.Equal(3_000_000, cleaning["budget"]!.GetValue<long>());
        Assert.Equal(3_000_000, cleaning["left"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task An_amendment_is_a_new_version_and_only_one_version_is_in_force()
    {
        var y = await YardAsync(100m, 100m, 100m);
        await AdoptedBudgetAsync(y);
        var second = await PublishedBudgetAsync(y, cleaning: 3_500_000);
        Assert.Equal(2, (await y.Manager.GetJsonAsync(y.P($"/budgets/{second}")))["version"]!.GetValue<int>());
        await (await y.Admin.PostAsync(y.P("/motions"), new { kind = "budget_adoption", subjectId = second, title = "x", body = "x", opensAt = Start, closesAt = Start.AddDays(3) }))
            .AssertProblem(422, Codes.SubjectInvalid);
        var amend = await MotionAsync(y, "budget_amendment", second);
        foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{amend}/ballots"), new { choice = "yes" })).AssertStatus(201);
        App.Clock.Set(Opens.AddDays(8));
        await (await y.Admin.GetAsync(y.P($"/motions/{amend}"))).AssertStatus(200);
        await ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services).RunAsync(); // the job persists the close and its effect

        var budgets = (await y.Manager.GetJsonAsync(y.P("/budgets")))["items"]!.AsArray();
        Assert.Equal(["superseded", "adopted"], budgets.Select(b => b!["status"]!.GetValue<string>()));
    }

    [SkippableFact]
    public async Task An_amendment_drafted_against_a_version_since_replaced_is_not_put_to_a_vote()
    {
        var y = await YardAsync(100m, 100m, 100m);
        await AdoptedBudgetAsync(y);

        // Two amendments drafted while the first version is in force; the owners adopt one of them.
        var second = await PublishedBudgetAsync(y, cleaning: 3_500_000);
        var third = await PublishedBudgetAsync(y, cleaning: 2_000_000);
        var amend = await MotionAsync(y, "budget_amendment", second);
        foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{amend}/ballots"), new { choice = "yes" })).AssertStatus(201);
        App.Clock.Set(Opens.AddDays(8));
        await ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services).RunAsync();
        Assert.Equal("adopted", (await y.Manager.GetJsonAsync(y.P($"/budgets/{second}")))["status"]!.GetValue<string>());

        // The other amends the version the owners have just replaced: putting it to a vote would overturn theirs unseen.
        var before = await CountMotionsAsync(y);
        var refused = await (await y.Admin.PostAsync(y.P("/motions"), new
        {
            kind = "budget_amendment", subjectId = third, title = "x", body = "x", opensAt = Opens.AddDays(30), closesAt = Opens.AddDays(37),
        })).AssertProblem(422, Codes.SubjectInvalid);
        Assert.Contains($"budget {second} is in force", refused["detail"]!.GetValue<string>());
        Assert.Equal(before, await CountMotionsAsync(y));
        Assert.Equal("adopted", (await y.Manager.GetJsonAsync(y.P($"/budgets/{second}")))["status"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task A_passed_amendment_of_a_version_no_longer_in_force_adopts_nothing()
    {
        // Two amendment votes of one year open at once, as could be announced before the one-at-a-time rule: the first
        // to close replaces the version in force; the second amends a version no longer in force and adopts nothing.
        var y = await YardAsync(100m, 100m, 100m);
        var first = await AdoptedBudgetAsync(y);
        var second = await PublishedBudgetAsync(y, cleaning: 3_500_000);
        var third = await PublishedBudgetAsync(y, cleaning: 2_000_000);
        var a = await MotionAsync(y, "budget_amendment", second);
        var b = await RivalMotionAsync(a, third);
        foreach (var motion in new[] { a, b })
            foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201);
        App.Clock.Set(Opens.AddDays(8));
        await ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services).RunAsync();

        foreach (var motion in new[] { a, b }) Assert.True((await y.Admin.GetJsonAsync(y.P($"/motions/{motion}")))["result"]!["passed"]!.GetValue<bool>());
        // Whichever closed first is in force; the other stays as published, its vote recorded as adopting nothing.
        var statuses = new Dictionary<long, string>();
        foreach (var budget in new[] { second, third })
            statuses[budget] = (await y.Manager.GetJsonAsync(y.P($"/budgets/{budget}")))["status"]!.GetValue<string>();
        Assert.Equal(["adopted", "published"], statuses.Values.Order(StringComparer.Ordinal));
        var loser = statuses[second] == "published" ? a : b;
        var audit = await y.Admin.GetJsonAsync(y.P("/audit"));
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "budget.not_adopted" && e["subject"]!.GetValue<string>() == $"motion:{loser}");
        Assert.Equal("superseded", (await y.Manager.GetJsonAsync(y.P($"/budgets/{first}")))["status"]!.GetValue<string>());
    }

    private async Task<long> CountMotionsAsync(Yard y)
    {
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        return await Dapper.SqlMapper.QuerySingleAsync<long>(connection,
            "SELECT COUNT(*) FROM motions WHERE community_id = (SELECT id FROM communities WHERE slug = @Slug)", new { y.Slug });
    }

    [SkippableFact]
    public async Task A_second_budget_vote_for_a_year_is_refused_while_one_is_announced_or_open()
    {
        var y = await YardAsync(100m, 100m, 100m);
        var first = await PublishedBudgetAsync(y);
        var second = await PublishedBudgetAsync(y, cleaning: 2_500_000); // a rival draft of the same year
        object Motion(string kind, long subjectId, DateTimeOffset opensAt) => new { kind, subjectId, title = "预算表决", body = "请表决", opensAt, closesAt = opensAt.AddDays(7) };
        var adopt = (await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_adoption", first, Opens))).AssertStatus(201))["id"]!.GetValue<long>();

        // Announced: a vote on the rival draft, or on the same budget again, would race it. 409, nothing written.
        var refused = await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_adoption", second, Opens))).AssertProblem(409, DecisionCodes.BudgetVotePending);
        Assert.Contains($"Motion {adopt}", refused["detail"]!.GetValue<string>());
        await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_adoption", first, Opens.AddDays(1)))).AssertProblem(409, DecisionCodes.BudgetVotePending);
        Assert.Equal(1, await CountMotionsAsync(y));

        // Open: still refused.
        App.Clock.Set(Opens);
        await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_adoption", second, Opens.AddDays(15)))).AssertProblem(409, DecisionCodes.BudgetVotePending);
        foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{adopt}/ballots"), new { choice = "yes" })).AssertStatus(201);

        // Another year's budget is not held up.
        var other = (await (await y.Manager.PostAsync(y.P("/budgets"), new
        {
            fiscalYear = 2027, lines = new[] { new { account = "6103", amount = 1_000_000L, note = "" } },
        })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await y.Manager.PostAsync(y.P($"/budgets/{other}/publish"), null)).AssertStatus(200);
        await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_adoption", other, Opens.AddDays(15)))).AssertStatus(201);

        // Closed and passed (the job has not run yet): the first budget is in force, so the rival is an amendment or nothing.
        App.Clock.Set(Opens.AddDays(7));
        await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_adoption", second, Opens.AddDays(22)))).AssertProblem(422, Codes.SubjectInvalid);
        Assert.Equal("adopted", (await y.Manager.GetJsonAsync(y.P($"/budgets/{first}")))["status"]!.GetValue<string>());
        // The rival was drafted before any budget was in force, so it amends nothing: an amendment is drafted on the first.
        await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_amendment", second, Opens.AddDays(22)))).AssertProblem(422, Codes.SubjectInvalid);
        var third = await PublishedBudgetAsync(y, cleaning: 2_500_000);
        var amend = (await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_amendment", third, Opens.AddDays(22)))).AssertStatus(201))["id"]!.GetValue<long>();
        await (await y.Admin.PostAsync(y.P("/motions"), Motion("budget_amendment", third, Opens.AddDays(23)))).AssertProblem(409, DecisionCodes.BudgetVotePending);
        Assert.True(amend > adopt);
    }

    [SkippableFact]
    public async Task An_adoption_vote_never_replaces_a_budget_already_adopted_for_its_year()
    {
        // Two adoption votes of one year open at once, as could be announced before the one-at-a-time rule:
        // the first to close puts its budget in force; the second passes but adopts nothing (only an amendment replaces).
        var y = await YardAsync(100m, 100m, 100m);
        var first = await PublishedBudgetAsync(y);
        var second = await PublishedBudgetAsync(y, cleaning: 2_500_000);
        var a = await MotionAsync(y, "budget_adoption", first);
        var b = await RivalMotionAsync(a, second);
        foreach (var motion in new[] { a, b })
            foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201);
        App.Clock.Set(Opens.AddDays(7));
        await ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services).RunAsync();

        Assert.True((await y.Admin.GetJsonAsync(y.P($"/motions/{b}")))["result"]!["passed"]!.GetValue<bool>());
        var firstBudget = await y.Manager.GetJsonAsync(y.P($"/budgets/{first}"));
        Assert.Equal("adopted", firstBudget["status"]!.GetValue<string>());
        Assert.Equal(a, firstBudget["motionId"]!.GetValue<long>());
        Assert.Equal("published", (await y.Manager.GetJsonAsync(y.P($"/budgets/{second}")))["status"]!.GetValue<string>());
        var audit = await y.Admin.GetJsonAsync(y.P("/audit"));
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "budget.not_adopted" && e["subject"]!.GetValue<string>() == $"motion:{b}");
    }

    [SkippableFact]
    public async Task A_later_ballot_replaces_an_earlier_one_and_both_stay_in_the_trail()
    {
        var y = await YardAsync(100m, 100m, 100m);
        var motion = await MotionAsync(y, "other", null);
        var first = (await (await y.Owners[0].Owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "no" })).AssertStatus(201))["receipt"]!.GetValue<string>();
        var second = (await (await y.Owners[0].Owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201))["receipt"]!.GetValue<string>();
        await (await y.Owners[1].Owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201);
        App.Clock.Set(Opens.AddDays(7));
        var result = await y.Admin.GetJsonAsync(y.P($"/motions/{motion}/result"));
        var receipts = result["receipts"]!.AsArray().Select(r => r!["receiptHash"]!.GetValue<string>()).ToList();
        Assert.Contains(BallotReceipts.Hash(second), receipts);
        Assert.DoesNotContain(BallotReceipts.Hash(first), receipts);
        Assert.Equal(2, result["totals"]!["yes"]!["headcount"]!.GetValue<long>());
        Assert.True(result["passed"]!.GetValue<bool>());
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        var all = await Dapper.SqlMapper.QuerySingleAsync<long>(connection, "SELECT COUNT(*) FROM ballots WHERE motion_id = @motion", new { motion });
        Assert.Equal(3, all);
    }

    [SkippableFact]
    public async Task The_register_is_fixed_when_the_motion_opens_and_the_developer_counts_once()
    {
        var y = await YardAsync(100m, 100m);
        var unsold1 = (await (await y.Admin.PostAsync(y.P("/units"), new { building = "6栋", number = "1", use = "residential", area = 50m, areaSource = "surveyed", delivered = false })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await y.Admin.PostAsync(y.P("/units"), new { building = "6栋", number = "2", use = "residential", area = 60m, areaSource = "surveyed", delivered = false })).AssertStatus(201);
        var developer = await OwnerLoginAsync(y.Slug, y.Admin, [], "dev", "developer");
        var motion = await MotionAsync(y, "maintenance_fund_raise", null);
        Assert.Equal("special", (await y.Admin.GetJsonAsync(y.P($"/motions/{motion}")))["threshold"]!.GetValue<string>());

        // The first ballot after the opening fixes the register; later changes do not move the open vote.
        await (await developer.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201);
        var late = (await (await y.Admin.PostAsync(y.P("/units"), new { building = "7栋", number = "1", use = "residential", area = 500m, areaSource = "surveyed", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
        var latecomer = await OwnerLoginAsync(y.Slug, y.Admin, [late], "late");
        await (await latecomer.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "no" })).AssertProblem(403, Codes.NotAVoter);

        foreach (var (_, owner) in y.Owners) await (await owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201);
        App.Clock.Set(Opens.AddDays(7));
        var result = await y.Admin.GetJsonAsync(y.P($"/motions/{motion}/result"));
        Assert.Equal(3, result["totals"]!["eligible"]!["headcount"]!.GetValue<long>());
        Assert.Equal(310m, result["totals"]!["eligible"]!["area"]!.GetValue<decimal>());
        Assert.True(result["passed"]!.GetValue<bool>());
        Assert.True(unsold1 > 0);
    }

    [SkippableFact]
    public async Task Only_owners_vote_and_another_community_sees_nothing()
    {
        var y = await YardAsync(100m, 100m);
        var motion = await MotionAsync(y, "other", null);
        await (await y.Manager.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertProblem(403, Codes.Forbidden);
        await (await y.Owners[0].Owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "maybe" })).AssertProblem(400, Codes.ValidationFailed);

        var other = await YardAsync(70m);
        await (await other.Owners[0].Owner.GetAsync(y.P($"/motions/{motion}"))).AssertProblem(404, Codes.NotFound);
        await (await other.Owners[0].Owner.PostAsync(y.P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertProblem(404, Codes.NotFound);
        await (await other.Owners[0].Owner.GetAsync(y.P($"/motions/{motion}/result"))).AssertProblem(404, Codes.NotFound);
        // The second yard set the clock back before the opening: a member learns the vote is not open yet.
        await (await y.Owners[0].Owner.GetAsync(y.P($"/motions/{motion}/result"))).AssertProblem(409, Codes.MotionNotOpen);
        await (await y.Owners[0].Owner.GetAsync(y.P("/motions/999999"))).AssertProblem(404, Codes.NotFound);
    }
}

public sealed class SqliteVotesApiTests(SqliteFixture fixture) : VotesApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresVotesApiTests(PostgresFixture fixture) : VotesApiTests(fixture), IClassFixture<PostgresFixture>;
