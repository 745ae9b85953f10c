using System.Security.Cryptography;
using System.Threading.RateLimiting;
using FluentValidation;
using Ledger.Api.Budgets;
using Ledger.Api.Communities;
using Ledger.Api.Identity;
using Ledger.Api.Ledger;
using Ledger.Api.Register;
using Ledger.Api.Public;
using Ledger.Api.Spending;
using Ledger.Api.Statements;
using Ledger.Api.Fees;
using Ledger.Domain.Store;
using Ledger.Jobs;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

public static class Startup
{
    /// <summary>Registers the store, the domain services, auth, validation, problems, OpenAPI and jobs.</summary>
    public static WebApplicationBuilder AddLedger(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var options = builder.Configuration.GetSection("Ledger").Get<LedgerOptions>() ?? new LedgerOptions();
        services.Configure<LedgerOptions>(builder.Configuration.GetSection("Ledger"));

        var engine = options.Database.Engine.ToLowerInvariant() switch
        {
            "sqlite" => Engine.Sqlite,
            "postgres" or "postgresql" => Engine.Postgres,
            var other => throw new InvalidOperationException($"Ledger:Database:Engine must be 'sqlite' or 'postgres', not '{other}'."),
        };
        var connectionString = options.Database.ConnectionString
            ?? (engine == Engine.Sqlite ? $"Data Source={Path.Combine(builder.Environment.ContentRootPath, "data", "ledger.db")}"
                : throw new InvalidOperationException("Ledger:Database:ConnectionString is required for the postgres engine."));

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new LedgerDatabase(engine, connectionString));
        services.AddSingleton<Migrator>();
        services.AddSingleton<CommunityBook>();
        services.AddSingleton<IdentityBook>();
        services.AddSingleton<Journal>();
        services.AddSingleton<BalanceBook>();
        services.AddSingleton<Integrity>();
        services.AddSingleton<CommunityWriter>();
        services.AddSingleton<RegisterBook>();
        services.AddSingleton<FeeBook>();
        services.AddSingleton<BudgetBook>();
        services.AddSingleton<MotionBook>();
        services.AddSingleton<SpendingBook>();
        services.AddSingleton<InquiryBook>();
        services.AddSingleton<StatementBook>();
        services.AddSingleton<JournalExport>();
        services.AddSingleton<ReminderBook>();
        services.AddSingleton<AuditBook>();
        services.AddSingleton<JobRunBook>();
        Bank.BankEndpoints.AddBank(services);
        Decisions.DecisionEndpoints.AddDecisions(services);
        services.AddSingleton<LoginThrottle>();
        services.AddScoped<CurrentCommunity>();
        services.AddScoped<Writes>();
        services.AddHostedService<DatabaseStartup>();
        services.AddSingleton<IStartupSeeder, Demo.DemoSeeder>();

        // Validators are listed, not discovered: what checks each body is readable here.
        services.AddSingleton<IValidator<LoginRequest>, LoginValidator>();
        services.AddSingleton<IValidator<CreateUserRequest>, CreateUserValidator>();
        services.AddSingleton<IValidator<SetRolesRequest>, SetRolesValidator>();
        services.AddSingleton<IValidator<CreateCommunityRequest>, CreateCommunityValidator>();
        services.AddSingleton<IValidator<PostEntryRequest>, PostEntryValidator>();
        services.AddSingleton<IValidator<ReversalRequest>, ReversalValidator>();
        services.AddSingleton<IValidator<AddAccountRequest>, AddAccountValidator>();
        services.AddSingleton<IValidator<UnitRequest>, UnitValidator>();
        services.AddSingleton<IValidator<OwnerRequest>, OwnerValidator>();
        services.AddSingleton<IValidator<ActivateRequest>, ActivateValidator>();
        services.AddSingleton<IValidator<TrustTermsRequest>, TrustTermsValidator>();
        services.AddSingleton<IValidator<FeeScheduleRequest>, FeeScheduleValidator>();
        services.AddSingleton<IValidator<BillingRunRequest>, BillingRunValidator>();
        services.AddSingleton<IValidator<PaymentRequest>, PaymentValidator>();
        services.AddSingleton<IValidator<ReceiptRequest>, ReceiptValidator>();
        services.AddSingleton<IValidator<BudgetRequest>, BudgetValidator>();
        services.AddSingleton<IValidator<CommentRequest>, CommentValidator>();
        services.AddSingleton<IValidator<MotionRequest>, MotionValidator>();
        services.AddSingleton<IValidator<BallotRequest>, BallotValidator>();
        services.AddSingleton<IValidator<SpendingRequestBody>, SpendingRequestValidator>();
        services.AddSingleton<IValidator<DecisionBody>, DecisionValidator>();
        services.AddSingleton<IValidator<PaymentBody>, PaymentBodyValidator>();
        services.AddSingleton<IValidator<AccrualBody>, AccrualValidator>();
        services.AddSingleton<IValidator<InquiryBody>, InquiryValidator>();
        services.AddSingleton<IValidator<AnswerBody>, AnswerValidator>();
        services.AddSingleton<IValidator<RemarkBody>, RemarkValidator>();
        services.AddSingleton<IValidator<CorrectionBody>, CorrectionValidator>();
        Accountability.AccountabilityEndpoints.AddAccountability(services);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Customize);
        services.AddExceptionHandler<LedgerExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            // Money and ids are JSON numbers, never strings; absent optional fields are left out.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });
        builder.WebHost.ConfigureKestrel(k => { k.Limits.MaxRequestBodySize = 1024 * 1024; k.AddServerHeader = false; });

        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(IdentityEndpoints.LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<IOptions<LedgerOptions>>().Value.Auth.LoginPerAddressPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                }));
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too many requests", Detail = "Too many login attempts from this address; try again in a minute." },
                });
            };
        });

        // Public pages are cached briefly; at most 64 MB of them (each entry is sized in bytes).
        services.AddMemoryCache(o => o.SizeLimit = 64 * 1024 * 1024);
        services.AddLedgerOpenApi();
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);

        // Hangfire: storage and dashboard always; this instance processes jobs only when Jobs:Enabled.
        services.AddLedgerJobs(engine, connectionString, runServer: options.Jobs.Enabled, TimeSpan.FromSeconds(Math.Max(1, options.Jobs.PollSeconds)));
        services.AddAntiforgery(); // the jobs dashboard's POSTs carry its token
        return builder;
    }

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
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.Use(RefuseUnknownCharset);
        app.Use(PrivateAnswers.NoStore);
        app.Use(TextGuard.Guard);
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Ledger API v1");
            o.RoutePrefix = "docs";
            o.DocumentTitle = "Ledger API";
        });
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}

/// <summary>Ready when the database answers and every embedded migration is applied unchanged.</summary>
public sealed class DatabaseReadyCheck(LedgerDatabase db, Migrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var connection = await db.OpenAsync(ct);
            return await migrator.IsUpToDateAsync(connection)
                ? HealthCheckResult.Healthy($"{db.Engine}: migrations applied")
                : HealthCheckResult.Unhealthy($"{db.Engine}: migrations pending");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"{db.Engine}: unreachable", e);
        }
    }
}

/// <summary>
/// Runs before the server takes requests (hosted services start first): applies migrations, and on
/// an empty database creates the platform admin from configuration, or <c>admin</c> with a random
/// password printed once.
/// </summary>
public sealed class DatabaseStartup(Migrator migrator, IdentityBook identity, IOptions<LedgerOptions> options,
    ILogger<DatabaseStartup> log, IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var applied = await migrator.MigrateAsync(ct);
        if (applied.Count > 0) log.LogInformation("Applied migrations {Versions}", string.Join(", ", applied));

        if (await identity.CountUsersAsync() == 0)
        {
            var bootstrap = options.Value.Bootstrap;
            var login = string.IsNullOrWhiteSpace(bootstrap.AdminLogin) ? "admin" : bootstrap.AdminLogin.Trim().ToLowerInvariant();
            var password = bootstrap.AdminPassword;
            var generated = string.IsNullOrEmpty(password);
            if (generated) password = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(15));
            var created = await identity.CreateUserAsync(login, "Platform administrator", password!, platformAdmin: true);
            if (created.Ok && generated)
            {
                // Printed once, on the console only: it is stored nowhere but as a hash.
                Console.WriteLine($"""

                    ==================================================================
                     Platform admin created.   login: {login}   password: {password}
                     (shown once; set Ledger:Bootstrap:AdminPassword to choose it)
                    ==================================================================

                    """);
            }
        }

        foreach (var seeder in services.GetServices<IStartupSeeder>())
            await seeder.SeedAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Work that runs once the database is ready, before requests (the demo seed).</summary>
public interface IStartupSeeder
{
    Task SeedAsync(CancellationToken ct);
}
