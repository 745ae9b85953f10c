using System.Text.Json.Nodes;
using Ledger.Api.Public;
using Ledger.Domain.Model;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>Who may reach whom, and what a refusal gives away: a review's open access questions, tried through the HTTP API on each engine.</summary>
public abstract class AccessTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private const long Nobody = 987_654_321;

    /// <summary>A refusal as a prober sees it: status, and the body with the id asked about taken out (an answer naming what was asked reveals nothing).</summary>
    private static async Task<(int Status, string Body)> Seen(HttpResponseMessage response, string asked)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            var body = JsonNode.Parse(text)!.AsObject();
            body.Remove("traceId");
            if (body["detail"]?.GetValue<string>() is { } detail) body["detail"] = detail.Replace(asked, "{id}", StringComparison.Ordinal);
            return ((int)response.StatusCode, body.ToJsonString());
        }
        return ((int)response.StatusCode, text.Replace("/" + asked, "/{id}", StringComparison.Ordinal)); // a page names its own address
    }

    // ------------------------------------------------------------ 1. granting roles

    [SkippableFact]
    public async Task A_community_admin_grants_roles_only_to_their_members_and_unplaced_accounts_and_cannot_tell_anyone_else_from_nobody()
    {
        var root = await App.AdminAsync();
        var ours = await App.CommunityAsync();
        var theirs = await App.CommunityAsync();
        var admin = await App.UserAsync(ours, "community_admin");
        string Members(string c, long id) => $"/api/v1/communities/{c}/members/{id}";

        // Another community's staff, its owner (through an invitation), a former member of it, and the platform admin.
        var theirStaff = await App.UserAsync(theirs, "trustee");
        var theirAdmin = await App.UserAsync(theirs, "community_admin");
        var unit = (await (await theirAdmin.PostAsync($"/api/v1/communities/{theirs}/units", new { building = "9栋", number = "901", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
        var owner = (await (await theirAdmin.PostAsync($"/api/v1/communities/{theirs}/owners", new { name = "业主", kind = "person", unitIds = new[] { unit } })).AssertStatus(201))["id"]!.GetValue<long>();
        var code = (await (await theirAdmin.PostAsync($"/api/v1/communities/{theirs}/owners/{owner}/invitations", null)).AssertStatus(201))["code"]!.GetValue<string>();
        var ownerLogin = $"o{Guid.NewGuid():N}"[..16];
        var theirOwner = (await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login = ownerLogin, password = "owner password 1" })).AssertStatus(201))["id"]!.GetValue<long>();
        var former = await App.UserAsync(theirs, "supervisor");
        await (await root.PutAsync(Members(theirs, former.UserId), new { roles = Array.Empty<string>() })).AssertStatus(200);

        var nobody = await Seen(await admin.PutAsync(Members(ours, Nobody), new { roles = new[] { "trustee" } }), Nobody.ToString());
        Assert.Equal(404, nobody.Status);
        Assert.Equal(Codes.UnknownUser, JsonNode.Parse(nobody.Body)!["code"]!.GetValue<string>());
        foreach (var (who, id) in new[] { ("their staff", theirStaff.UserId), ("their owner", theirOwner), ("their former supervisor", former.UserId), ("the platform admin", root.UserId) })
            foreach (var roles in new[] { new[] { "trustee" }, new[] { "owner" }, Array.Empty<string>() })
            {
                var answer = await Seen(await admin.PutAsync(Members(ours, id), new { roles }), id.ToString());
                Assert.True(nobody == answer, $"{who} ({string.Join(",", roles)}): {answer} differs from a user who does not exist: {nobody}");
            }
        // Nothing changed: no role here, and theirs as they were.
        Assert.Equal(404, (int)(await theirStaff.GetAsync($"/api/v1/communities/{ours}")).StatusCode);
        Assert.Equal("""[{"community":"THEIRS","roles":["trustee"]}]""".Replace("THEIRS", theirs),
            (await theirStaff.GetJsonAsync("/api/v1/me"))["communities"]!.ToJsonString());
        Assert.DoesNotContain(ours, (await root.GetJsonAsync("/api/v1/me")).ToJsonString());

        // An account just created (by this admin: community admins may) takes roles here; a member's roles change.
        var login = $"n{Guid.NewGuid():N}"[..16];
        var fresh = (await (await admin.PostAsync("/api/v1/users", new { login, displayName = "新任出纳", password = "a long enough password" })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await admin.PutAsync(Members(ours, fresh), new { roles = new[] { "trustee" } })).AssertStatus(200);
        await (await admin.PutAsync(Members(ours, fresh), new { roles = new[] { "trustee", "trustee_manager" } })).AssertStatus(200);
        // Now it is ours: the other community's admin cannot take it, and cannot tell it from nobody.
        Assert.True(await Seen(await theirAdmin.PutAsync(Members(theirs, Nobody), new { roles = new[] { "trustee" } }), Nobody.ToString())
            == await Seen(await theirAdmin.PutAsync(Members(theirs, fresh), new { roles = new[] { "trustee" } }), fresh.ToString()));
        // Removed from every role here, it is still our member's history, not an unplaced account for them.
        await (await admin.PutAsync(Members(ours, fresh), new { roles = Array.Empty<string>() })).AssertStatus(200);
        await (await theirAdmin.PutAsync(Members(theirs, fresh), new { roles = new[] { "trustee" } })).AssertProblem(404, Codes.UnknownUser);

        // The platform admin grants anyone anywhere.
        await (await root.PutAsync(Members(ours, theirStaff.UserId), new { roles = new[] { "supervisor" } })).AssertStatus(200);
        await (await root.PutAsync(Members(theirs, fresh), new { roles = new[] { "trustee" } })).AssertStatus(200);
        // Holding a role here, their staff member is ours to manage too (here only).
        await (await admin.PutAsync(Members(ours, theirStaff.UserId), new { roles = new[] { "committee" } })).AssertStatus(200);
        Assert.Contains("\"trustee\"", (await theirStaff.GetJsonAsync("/api/v1/me"))["communities"]!.ToJsonString());
    }

    [SkippableFact]
    public async Task A_community_admin_gives_back_the_owner_role_they_took_from_one_of_their_owners()
    {
        var ours = await App.CommunityAsync();
        var admin = await App.UserAsync(ours, "community_admin");
        string P(string path) => $"/api/v1/communities/{ours}{path}";
        var unit = (await (await admin.PostAsync(P("/units"), new { building = "1栋", number = "101", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
        var owner = (await (await admin.PostAsync(P("/owners"), new { name = "业主", kind = "person", unitIds = new[] { unit } })).AssertStatus(201))["id"]!.GetValue<long>();
        var code = (await (await admin.PostAsync(P($"/owners/{owner}/invitations"), null)).AssertStatus(201))["code"]!.GetValue<string>();
        var login = $"o{Guid.NewGuid():N}"[..16];
        var user = (await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login, password = "owner password 1" })).AssertStatus(201))["id"]!.GetValue<long>();
        // Taken by mistake, the role goes back: the account is still bound to our owner, not another community's.
        await (await admin.PutAsync(P($"/members/{user}"), new { roles = Array.Empty<string>() })).AssertStatus(200);
        await (await admin.PutAsync(P($"/members/{user}"), new { roles = new[] { "owner" } })).AssertStatus(200);
        Assert.Contains("\"owner\"", (await (await App.LoginAsync(login, "owner password 1")).GetJsonAsync("/api/v1/me"))["communities"]!.ToJsonString());
    }

    // ------------------------------------------------------------ 2. probing for what an owner may not see

    [SkippableFact]
    public async Task An_owner_cannot_tell_a_hidden_spending_request_entry_or_draft_from_one_that_does_not_exist()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var other = await DisclosureYard.BuildAsync(App, publish: false);
        App.Clock.Set(DisclosureYard.Now);
        var pending = (await (await y.Trustee.PostAsync(y.P("/spending-requests"), new
        {
            payee = "某某电梯公司", amount = 80_000L, account = "6103", description = "电梯维修", attachments = Array.Empty<string>(),
        })).AssertStatus(201))["id"]!.GetValue<long>();
        var requests = (await y.Trustee.GetJsonAsync(y.P("/spending-requests")))["items"]!.AsArray();
        var paid = requests.Single(r => r!["status"]!.GetValue<string>() == "paid")!["id"]!.GetValue<long>();
        var theirs = (await other.Trustee.GetJsonAsync(other.P("/spending-requests")))["items"]![0]!["id"]!.GetValue<long>();
        var owner = y.Owners[0];

        async Task<(int, string)> Ask(ApiClient who, string path, string subject, object subjectId) =>
            await Seen(await who.PostAsync(path, new { subject, subjectId, question = "这笔是什么？" }), subjectId.ToString()!);

        var missing = await Ask(owner, y.P("/queries"), "spendingRequest", Nobody);
        Assert.Equal(422, missing.Item1);
        Assert.Equal(Codes.UnknownSubject, JsonNode.Parse(missing.Item2)!["code"]!.GetValue<string>());
        foreach (var id in new[] { pending, theirs })
        {
            Assert.Equal(missing, await Ask(owner, y.P("/queries"), "spendingRequest", id));
            Assert.Equal(missing, await Ask(owner, y.P("/queries"), "spendingRequest", id.ToString())); // both forms of subjectId
        }
        // The public pages answer alike too (and the portal's request pages are staff and oversight only, whatever the id).
        foreach (var suffix in new[] { "", ".json" })
            Assert.Equal(await Seen(await App.Anonymous().GetAsync(y.Public($"/spending/{Nobody}{suffix}")), Nobody.ToString()),
                await Seen(await App.Anonymous().GetAsync(y.Public($"/spending/{pending}{suffix}")), pending.ToString()));

        // Another owner's entry (their bill: hidden from the public feed) answers as no entry.
        var feed = (await App.Anonymous().GetJsonAsync(y.Public("/journal?limit=500")))["items"]!.AsArray();
        var mine = (await owner.GetJsonAsync(y.P($"/units/{y.Units[0]}/entries")))["items"]!.AsArray().Select(i => i!["seq"]!.GetValue<long>()).ToHashSet();
        var hidden = feed.Select(i => i!).First(i => i["entry"] is null && !mine.Contains(i["seq"]!.GetValue<long>()))["seq"]!.GetValue<long>();
        Assert.Equal(await Ask(owner, y.P("/queries"), "entry", Nobody), await Ask(owner, y.P("/queries"), "entry", hidden));

        // A draft statement answers as no statement (the other yard's October is closed, not published).
        var otherOwner = other.Owners[0];
        Assert.Equal(await Ask(otherOwner, other.P("/queries"), "statement", "2031-10"), await Ask(otherOwner, other.P("/queries"), "statement", "2026-10"));
        await (await otherOwner.GetAsync(other.P("/statements/2026-10"))).AssertProblem(404, Codes.NotFound);

        // None of those refusals stored a query.
        Assert.DoesNotContain((await owner.GetJsonAsync(y.P("/queries")))["items"]!.AsArray(), q => q!["question"]!.GetValue<string>() == "这笔是什么？");

        // What they may see they may ask about; the supervisor asks about a pending request, and about any entry.
        await (await owner.PostAsync(y.P("/queries"), new { subject = "spendingRequest", subjectId = paid, question = "付款凭证在哪里？" })).AssertStatus(201);
        await (await y.Supervisor.PostAsync(y.P("/queries"), new { subject = "spendingRequest", subjectId = pending, question = "为何加急？" })).AssertStatus(201);
        await (await y.Supervisor.PostAsync(y.P("/queries"), new { subject = "entry", subjectId = hidden, question = "这笔账单对吗？" })).AssertStatus(201);
        // Once decided, the request is the public's, and the owner's to ask about.
        await (await y.Supervisor.PostAsync(y.P($"/spending-requests/{pending}/decisions"), new { decision = "reject", comment = "报价过高" })).AssertStatus(200);
        await (await owner.PostAsync(y.P("/queries"), new { subject = "spendingRequest", subjectId = pending, question = "为何被否决？" })).AssertStatus(201);
    }

    // ------------------------------------------------------------ 3. public caching

    [SkippableFact]
    public async Task Public_answers_outside_the_page_cache_say_what_cached_pages_say()
    {
        var y = await DisclosureYard.BuildAsync(App);
        foreach (var path in new[] { y.Public("/journal"), y.Public("/journal?limit=2&after=1"), y.Public("/roles.json") })
        {
            var response = await App.Anonymous().GetAsync(path);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(PublicEndpoints.PublicCacheControl, response.Headers.CacheControl?.ToString());
            // Asked with credentials, the answer is private (PrivateAnswers) and stored nowhere.
            var signedIn = await y.Owners[0].GetAsync(path);
            Assert.Equal(200, (int)signedIn.StatusCode);
            Assert.True(signedIn.Headers.CacheControl?.NoStore, $"{path}: {signedIn.Headers}");
        }
        // A community that is not there is not cached as if it were an answer.
        var missing = await App.Anonymous().GetAsync("/p/no-such-yard/journal");
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.False(missing.Headers.CacheControl?.Public ?? false);
    }
}

public sealed class SqliteAccessTests(SqliteFixture fixture) : AccessTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresAccessTests(PostgresFixture fixture) : AccessTests(fixture), IClassFixture<PostgresFixture>;
