using System.Net.Http.Headers;
using Ledger.Domain.Model;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>Login, tokens, roles per community, and never revealing another community.</summary>
public abstract class IdentityApiTests(EngineFixture fixture)
{
    protected LedgerApp App => fixture.App;

    [SkippableFact]
    public async Task Login_returns_a_token_that_logout_revokes()
    {
        var api = await App.AdminAsync();
        var me = await api.GetJsonAsync("/api/v1/me");
        Assert.Equal(LedgerApp.AdminLogin, me["user"]!["login"]!.GetValue<string>());
        Assert.True(me["user"]!["platformAdmin"]!.GetValue<bool>());

        await (await api.PostAsync("/api/v1/auth/logout", null)).AssertStatus(204);
        await (await api.GetAsync("/api/v1/me")).AssertProblem(401, Codes.Unauthorized);
    }

    /// <summary>A login's expiresAt has the shape of every other instant the API sends (UTC, milliseconds, Z),
    /// and lies ahead.</summary>
    [SkippableFact]
    public async Task A_logins_expiry_is_an_instant_like_every_other()
    {
        var login = await App.Anonymous().PostAsync("/api/v1/auth/login", new { login = LedgerApp.AdminLogin, password = LedgerApp.AdminPassword });
        var expiresAt = (await login.AssertStatus(200))["expiresAt"]!.GetValue<string>();
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", expiresAt);
        Assert.True(DateTimeOffset.Parse(expiresAt, System.Globalization.CultureInfo.InvariantCulture) > App.Clock.GetUtcNow());
    }

    [SkippableFact]
    public async Task A_token_stops_working_when_it_expires()
    {
        var identity = App.Service<Ledger.Domain.Store.IdentityBook>();
        var session = (await identity.LoginAsync(LedgerApp.AdminLogin, LedgerApp.AdminPassword, TimeSpan.FromMinutes(30))).Value!;
        Assert.NotNull(await identity.AuthenticateAsync(session.Token));
        App.Clock.Advance(TimeSpan.FromMinutes(31));
        try { Assert.Null(await identity.AuthenticateAsync(session.Token)); }
        finally { App.Clock.Advance(TimeSpan.FromMinutes(-31)); }
        Assert.Null(await identity.AuthenticateAsync(session.Token + "x"));
    }

    [SkippableFact]
    public async Task Bad_credentials_are_refused_and_repeated_failures_lock_the_login()
    {
        var slug = await App.CommunityAsync();
        var user = await App.UserAsync(slug, "supervisor");
        var login = (await user.GetJsonAsync("/api/v1/me"))["user"]!["login"]!.GetValue<string>();
        var anonymous = App.Anonymous();
        for (var i = 0; i < 5; i++)
            await (await anonymous.PostAsync("/api/v1/auth/login", new { login, password = "wrong password" })).AssertProblem(401, Codes.InvalidCredentials);
        var locked = await anonymous.PostAsync("/api/v1/auth/login", new { login, password = "a long enough password" });
        await locked.AssertProblem(429, Codes.TooManyRequests);
        Assert.NotNull(locked.Headers.RetryAfter);
        await (await anonymous.PostAsync("/api/v1/auth/login", new { login = "nobody-here", password = "whatever" })).AssertProblem(401, Codes.InvalidCredentials);
    }

    [SkippableFact]
    public async Task Garbage_tokens_are_unauthorized()
    {
        var api = App.Anonymous();
        api.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        await (await api.GetAsync("/api/v1/me")).AssertProblem(401, Codes.Unauthorized);
        await (await App.Anonymous().GetAsync("/api/v1/communities/whatever/entries")).AssertProblem(401, Codes.Unauthorized);
    }

    [SkippableFact]
    public async Task Only_a_platform_admin_creates_communities_and_slugs_are_unique()
    {
        var slug = await App.CommunityAsync();
        var admin = await App.AdminAsync();
        await (await admin.PostAsync("/api/v1/communities", new { slug, name = "重复" })).AssertProblem(409, Codes.SlugTaken);
        await (await admin.PostAsync("/api/v1/communities", new { slug = "Bad Slug!", name = "x" })).AssertProblem(400, Codes.ValidationFailed);
        await (await admin.PostAsync("/api/v1/communities", new { slug = LedgerApp.NewSlug(), name = "x", timeZone = "Mars/Olympus" })).AssertProblem(400, Codes.ValidationFailed);
        var manager = await App.UserAsync(slug, "community_admin");
        await (await manager.PostAsync("/api/v1/communities", new { slug = LedgerApp.NewSlug(), name = "x" })).AssertProblem(403, Codes.Forbidden);

        var created = await (await admin.PostAsync("/api/v1/communities", new { slug = LedgerApp.NewSlug(), name = "默认" })).AssertStatus(201);
        Assert.Equal("Asia/Shanghai", created["timeZone"]!.GetValue<string>());
        Assert.Equal("2026-11", created["booksStartMonth"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task A_platform_admin_lists_every_community_and_no_one_else_does()
    {
        var (first, second) = (await App.CommunityAsync(), await App.CommunityAsync());
        var admin = await App.AdminAsync();
        var slugs = new List<string>();
        string? after = null;
        do
        {
            var page = await admin.GetJsonAsync("/api/v1/communities?limit=2" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)));
            slugs.AddRange(page["items"]!.AsArray().Select(c => c!["slug"]!.GetValue<string>()));
            after = page["next"]?.GetValue<string>();
        } while (after is not null);
        Assert.Contains(first, slugs);
        Assert.Contains(second, slugs);
        Assert.Equal(slugs.Order(StringComparer.Ordinal), slugs);
        Assert.Equal(slugs.Distinct().Count(), slugs.Count);
        await (await admin.GetAsync("/api/v1/communities?limit=0")).AssertProblem(400, Codes.ValidationFailed);

        var member = await App.UserAsync(first, "community_admin", "trustee_manager", "supervisor", "committee");
        await (await member.GetAsync("/api/v1/communities")).AssertProblem(403, Codes.Forbidden);
        await (await App.Anonymous().GetAsync("/api/v1/communities")).AssertProblem(401, Codes.Unauthorized);
    }

    [SkippableFact]
    public async Task Another_communitys_member_gets_404_and_a_member_without_the_role_gets_403()
    {
        var mine = await App.CommunityAsync();
        var theirs = await App.CommunityAsync();
        var manager = await App.UserAsync(theirs, "trustee_manager");
        await (await manager.PostAsync($"/api/v1/communities/{theirs}/entries", new
        {
            date = "2026-10-01", memo = "x", fund = "common",
            lines = new object[] { new { account = "1002", debit = 5 }, new { account = "5202", credit = 5 } },
        })).AssertStatus(201);

        var outsider = await App.UserAsync(mine, "trustee_manager", "supervisor", "community_admin");
        foreach (var path in new[] { "", "/entries", "/entries/1", "/accounts", "/trial-balance", "/integrity" })
            await (await outsider.GetAsync($"/api/v1/communities/{theirs}{path}")).AssertProblem(404, Codes.NotFound);
        await (await outsider.GetAsync("/api/v1/communities/no-such-place/entries")).AssertProblem(404, Codes.NotFound);

        var owner = await App.UserAsync(theirs, "owner");
        await (await owner.GetAsync($"/api/v1/communities/{theirs}")).AssertStatus(200);
        await (await owner.GetAsync($"/api/v1/communities/{theirs}/entries")).AssertProblem(403, Codes.Forbidden);
        await (await owner.PostAsync($"/api/v1/communities/{theirs}/entries/1/reversal", new { reason = "x" })).AssertProblem(403, Codes.Forbidden);

        // A platform admin holds no role inside a community unless granted one.
        var admin = await App.AdminAsync();
        await (await admin.GetAsync($"/api/v1/communities/{theirs}/entries")).AssertProblem(403, Codes.Forbidden);
    }

    [SkippableFact]
    public async Task Roles_are_granted_per_community_and_replaced_as_a_whole()
    {
        var slug = await App.CommunityAsync();
        var admin = await App.AdminAsync();
        var user = await App.UserAsync(slug, "supervisor");
        var path = $"/api/v1/communities/{slug}/members/{user.UserId}";
        await (await admin.PutAsync(path, new { roles = new[] { "committee", "owner" } })).AssertStatus(200);
        var me = await user.GetJsonAsync("/api/v1/me");
        Assert.Equal("""["committee","owner"]""", me["communities"]![0]!["roles"]!.ToJsonString());
        await (await admin.PutAsync(path, new { roles = new[] { "platform_admin" } })).AssertProblem(400, Codes.ValidationFailed);
        await (await admin.PutAsync($"/api/v1/communities/{slug}/members/987654", new { roles = new[] { "owner" } })).AssertProblem(404, Codes.UnknownUser);
        await (await user.PutAsync(path, new { roles = new[] { "community_admin" } })).AssertProblem(403, Codes.Forbidden);
    }
}

public sealed class SqliteIdentityApiTests(SqliteFixture fixture) : IdentityApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresIdentityApiTests(PostgresFixture fixture) : IdentityApiTests(fixture), IClassFixture<PostgresFixture>;
