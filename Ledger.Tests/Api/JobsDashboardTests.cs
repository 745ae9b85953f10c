using System.Net;
using System.Text.RegularExpressions;
using Hangfire;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>
/// The Hangfire dashboard at /jobs is for platform admins only: anyone else is turned away before
/// Hangfire sees the request, and its POSTs need the antiforgery token even from an admin.
/// (These instances run no Hangfire server: the dashboard reads the storage all the same.)
/// </summary>
public abstract partial class JobsDashboardTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    [SkippableFact]
    public async Task Anonymous_callers_get_401_and_see_nothing_of_the_dashboard()
    {
        var anonymous = App.Anonymous();
        foreach (var path in new[] { "/jobs", "/jobs/recurring", "/jobs/jobs/succeeded", "/jobs/stats", "/jobs/nonexistent" })
        {
            var response = await anonymous.GetAsync(path);
            await response.AssertProblem(401, "unauthorized");
        }
        await (await anonymous.PostRawAsync("/jobs/recurring/trigger", "jobs%5B%5D=month-close", "application/x-www-form-urlencoded"))
            .AssertProblem(401, "unauthorized");
        // A bad or revoked token is no sign-in either.
        var forged = App.Anonymous();
        forged.Http.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-token");
        await (await forged.GetAsync("/jobs")).AssertProblem(401, "unauthorized");
    }

    [SkippableFact]
    public async Task Signed_in_users_who_are_not_platform_admins_get_403_whatever_their_community_roles()
    {
        var slug = await App.CommunityAsync();
        var everyRole = await App.UserAsync(slug, "community_admin", "trustee_manager", "trustee", "supervisor", "committee");
        foreach (var path in new[] { "/jobs", "/jobs/recurring", "/jobs/servers" })
            await (await everyRole.GetAsync(path)).AssertProblem(403, "forbidden");
        var enqueued = Enqueued();
        await (await everyRole.PostRawAsync("/jobs/recurring/trigger", "jobs%5B%5D=month-close", "application/x-www-form-urlencoded"))
            .AssertProblem(403, "forbidden");
        Assert.Equal(enqueued, Enqueued());
    }

    [SkippableFact]
    public async Task A_platform_admin_sees_the_dashboard_with_its_own_scripts_and_no_connection_string()
    {
        var admin = await App.AdminAsync();
        var response = await admin.GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Ledger jobs", html);
        Assert.DoesNotContain(App.ConnectionString, html);
        Assert.DoesNotContain("Data Source=", html);
        Assert.DoesNotContain("Host=", html);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        // The script the page loads is served under /jobs to the admin, and only to the admin.
        var script = Regex.Match(html, "<script src=\"(/jobs/js[0-9]+)\"").Groups[1].Value;
        Assert.NotEmpty(script);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(script)).StatusCode);
        await (await App.Anonymous().GetAsync(script)).AssertProblem(401, "unauthorized");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/jobs/recurring")).StatusCode);
    }

    [SkippableFact]
    public async Task A_dashboard_post_without_the_antiforgery_token_changes_nothing_even_for_a_platform_admin()
    {
        var admin = await App.AdminAsync();
        var html = await (await admin.GetAsync("/jobs/recurring")).Content.ReadAsStringAsync();
        var (header, token) = Antiforgery(html);
        Assert.False(string.IsNullOrEmpty(token));
        var enqueued = Enqueued();

        var bare = await admin.PostRawAsync("/jobs/recurring/trigger", "jobs%5B%5D=month-close", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);
        var wrong = new HttpRequestMessage(HttpMethod.Post, "/jobs/recurring/trigger")
        {
            Content = new FormUrlEncodedContent([new("jobs[]", "month-close")]),
        };
        wrong.Headers.Add(header, token[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.SendAsync(wrong)).StatusCode);
        // The token without the cookie it was issued with (another client, same admin) is refused too.
        var other = await App.AdminAsync();
        var stolen = new HttpRequestMessage(HttpMethod.Post, "/jobs/recurring/trigger")
        {
            Content = new FormUrlEncodedContent([new("jobs[]", "month-close")]),
        };
        stolen.Headers.Add(header, token);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.SendAsync(stolen)).StatusCode);
        Assert.Equal(enqueued, Enqueued());
    }

    [SkippableFact]
    public async Task A_dashboard_request_that_is_not_a_form_is_answered_never_a_500()
    {
        var admin = await App.AdminAsync();
        var html = await (await admin.GetAsync("/jobs/recurring")).Content.ReadAsStringAsync();
        var (header, token) = Antiforgery(html);
        var enqueued = Enqueued();

        // Hangfire reads its stats as a form: a GET has none, and reads as asking for no metric.
        var stats = await admin.GetAsync("/jobs/stats");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        // A command posted as JSON, with the token: the dashboard reads forms only.
        var json = new HttpRequestMessage(HttpMethod.Post, "/jobs/recurring/trigger") { Content = new StringContent("""{"jobs":["month-close"]}""", System.Text.Encoding.UTF8, "application/json") };
        json.Headers.Add(header, token);
        await (await admin.Http.SendAsync(json)).AssertProblem(415, "unsupported_media_type");
        // A command with no body names no job: Hangfire's own 422, as problem+json with a code of its own, not "error".
        var bare = new HttpRequestMessage(HttpMethod.Post, "/jobs/recurring/trigger");
        bare.Headers.Add(header, token);
        await (await admin.Http.SendAsync(bare)).AssertProblem(422, "unprocessable_entity");
        Assert.Equal(enqueued, Enqueued());
    }

    private long Enqueued() => App.Service<JobStorage>().GetMonitoringApi().EnqueuedCount("default");

    /// <summary>The antiforgery header name and token Hangfire's pages carry for their script.</summary>
    internal static (string Header, string Token) Antiforgery(string html)
    {
        var header = CsrfHeader().Match(html).Groups[1].Value;
        var token = CsrfToken().Match(html).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(header), "the page carries no csrf-header");
        return (header, WebUtility.HtmlDecode(token));
    }

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfHeader();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}

public sealed class SqliteJobsDashboardTests(SqliteFixture fixture) : JobsDashboardTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresJobsDashboardTests(PostgresFixture fixture) : JobsDashboardTests(fixture), IClassFixture<PostgresFixture>;
