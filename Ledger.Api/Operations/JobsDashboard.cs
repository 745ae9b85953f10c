using Hangfire;
using Hangfire.Dashboard;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;

namespace Ledger.Api.Operations;

/// <summary>
/// The Hangfire dashboard at <c>/jobs</c>, for platform admins: whoever is not signed in is challenged
/// (401 under the bearer scheme), a signed-in user who is not a platform admin is refused (403), both
/// before Hangfire sees the request. Hangfire's own filters say the same again, so the dashboard stays
/// closed and read-only to everyone else even if this gate moved. Its POSTs (trigger, requeue,
/// delete) need the antiforgery token the pages carry.
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/jobs";

    // Hangfire's pages load their own script and stylesheet from /jobs; nothing from elsewhere.
    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication MapJobsDashboard(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(Path), gated => gated.Use(Gate));
        app.UseHangfireDashboard(Path, new DashboardOptions
        {
            Authorization = [new PlatformAdminOnly()],
            IsReadOnlyFunc = context => !context.GetHttpContext().User.IsPlatformAdmin(),
            AppPath = "/app",
            DashboardTitle = "Ledger jobs",
            // The footer would otherwise show the database's connection string.
            DisplayStorageConnectionString = false,
            IgnoreAntiforgeryToken = false,
        });
        return app;
    }

    private static async Task Gate(HttpContext http, RequestDelegate next)
    {
        // Not signed in: 401 (problem+json), as the issue asks of the dashboard, not the portal's redirect;
        // operators sign in at /app/login, whose home page links here.
        if (http.User.Identity?.IsAuthenticated != true) { await http.ChallengeAsync(TokenAuthenticationHandler.SchemeName); return; }
        if (!http.User.IsPlatformAdmin()) { await http.ForbidAsync(); return; }
        // Hangfire reads its stats and its batch commands with ReadFormAsync, which throws (a 500) on any body that
        // is not a form: a GET of /jobs/stats, a command posted as JSON. Its own script posts forms, or nothing.
        if (!http.Request.HasFormContentType)
        {
            if (!string.IsNullOrEmpty(http.Request.ContentType))
            {
                await Problems.From(new Failure(Codes.UnsupportedMediaType, "The dashboard reads forms (application/x-www-form-urlencoded) only.", 415))
                    .ExecuteAsync(http);
                return;
            }
            http.Features.Set<IFormFeature>(new FormFeature(FormCollection.Empty)); // no body: an empty form, naming no job and no metric
        }
        http.Response.Headers.ContentSecurityPolicy = Csp;
        http.Response.Headers.XFrameOptions = "DENY";
        await next(http);
    }

    private sealed class PlatformAdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsPlatformAdmin();
    }
}
