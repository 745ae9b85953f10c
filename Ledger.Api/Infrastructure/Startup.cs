using Ledger.Api.Accountability;
using Ledger.Api.Bank;
using Ledger.Api.Budgets;
using Ledger.Api.Communities;
using Ledger.Api.Decisions;
using Ledger.Api.Fees;
using Ledger.Api.Identity;
using Ledger.Api.Ledger;
using Ledger.Api.Public;
using Ledger.Api.Register;
using Ledger.Api.Spending;
using Ledger.Api.Statements;
using Ledger.Jobs;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// The application's wiring, one call per concern: storage (<see cref="Storage"/>), auth
/// (<see cref="Auth"/>), problems and JSON (<see cref="Problems"/>), OpenAPI, jobs, and each feature,
/// which registers its own books and validators beside its routes (<c>AddFees</c> next to <c>MapFees</c>).
/// </summary>
public static class Startup
{
    /// <summary>Registers the store, the domain services, auth, validation, problems, OpenAPI and jobs.</summary>
    public static WebApplicationBuilder AddLedger(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var options = builder.Configuration.GetSection("Ledger").Get<LedgerOptions>() ?? new LedgerOptions();
        services.Configure<LedgerOptions>(builder.Configuration.GetSection("Ledger"));
        var (engine, connectionString) = Storage.DatabaseFrom(options, builder.Environment);

        services.AddSingleton(TimeProvider.System);
        services.AddStorage(engine, connectionString);
        services.AddFeatures();
        services.AddSingleton<IStartupSeeder, Demo.DemoSeeder>();
        services.AddProblems();
        builder.WebHost.ConfigureKestrel(k => { k.Limits.MaxRequestBodySize = 1024 * 1024; k.AddServerHeader = false; });
        services.AddLedgerAuth();

        // Public pages are cached briefly; at most 64 MB of them (each entry is sized in bytes).
        services.AddMemoryCache(o => o.SizeLimit = 64 * 1024 * 1024);
        services.AddLedgerOpenApi();

        // Hangfire: storage and dashboard always; this instance processes jobs only when Jobs:Enabled.
        services.AddLedgerJobs(engine, connectionString, runServer: options.Jobs.Enabled, TimeSpan.FromSeconds(Math.Max(1, options.Jobs.PollSeconds)));
        services.AddAntiforgery(); // the jobs dashboard's POSTs carry its token
        return builder;
    }

    /// <summary>Each feature's books and request validators, registered by the feature itself.</summary>
    private static IServiceCollection AddFeatures(this IServiceCollection services) => services
        .AddIdentity()
        .AddCommunities()
        .AddRegister()
        .AddLedgerEntries()
        .AddFees()
        .AddBudgets()
        .AddSpending()
        .AddStatements()
        .AddBank()
        .AddDecisions()
        .AddAccountability();

    /// <summary>A body in a charset nobody can decode is malformed, whatever the route: 400 before any reader sees it.</summary>
    private static Task RefuseUnknownCharset(HttpContext http, RequestDelegate next)
    {
        var charset = http.Request.ContentType is { } type && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out var media)
            ? media.Charset.Value : null;
        if (charset is { Length: > 0 })
        {
            try { System.Text.Encoding.GetEncoding(charset.Trim('"')); }
            catch (ArgumentException)
            {
                return Problems.From(Domain.Model.Failure.Invalid(Domain.Model.Codes.MalformedRequest, $"Unknown charset '{charset}'; send UTF-8.")).ExecuteAsync(http);
            }
        }
        return next(http);
    }

    public static WebApplication UseLedger(this WebApplication app)
    {
        // A cached public page for an anonymous reader is answered before routing and everything below
        // (issue 18); what it does not answer goes the full way. Routing is placed here explicitly so it
        // runs after it (WebApplication would otherwise put routing first).
        app.UseHeadAsGetForPublicPages();
        app.UseCachedPublicPages();
        app.UseRouting();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.Use(RefuseUnknownCharset);
        app.Use(PrivateAnswers.NoStore);
        app.Use(TextGuard.Guard);
        app.UseStatusCodePages(StatusCodeAnswer);
        app.UseLedgerAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        // Swagger UI matches every request's path against its own regexes and static files (1.7% of a
        // cached public page's CPU, issue 18): only requests under /docs go through it.
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/docs"), docs => docs.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Ledger API v1");
            o.RoutePrefix = "docs";
            o.DocumentTitle = "Ledger API";
        }));
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }

    /// <summary>
    /// A status with no body yet (no route matched, a route value that does not fit its constraint): a page where people
    /// read pages (<see cref="HtmlProblemWriter"/>), problem+json with its code everywhere else.
    /// </summary>
    private static async Task StatusCodeAnswer(Microsoft.AspNetCore.Diagnostics.StatusCodeContext context)
    {
        var http = context.HttpContext;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http, ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = http.Response.StatusCode },
        });
    }
}
