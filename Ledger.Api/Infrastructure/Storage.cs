using System.Security.Cryptography;
using Ledger.Domain.Store;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// The database: which engine, the migrations and first start, the readiness check, and the books
/// every feature shares (communities, identity, the journal and its writer, audit and job runs).
/// A feature's own books are registered by the feature.
/// </summary>
public static class Storage
{
    /// <summary>The engine and connection string from <c>Ledger:Database</c>; SQLite under <c>data/</c> by default.</summary>
    public static (Engine Engine, string ConnectionString) DatabaseFrom(LedgerOptions options, IHostEnvironment environment)
    {
        var engine = options.Database.Engine.ToLowerInvariant() switch
        {
            "sqlite" => Engine.Sqlite,
            "postgres" or "postgresql" => Engine.Postgres,
            var other => throw new InvalidOperationException($"Ledger:Database:Engine must be 'sqlite' or 'postgres', not '{other}'."),
        };
        var connectionString = options.Database.ConnectionString
            ?? (engine == Engine.Sqlite ? $"Data Source={Path.Combine(environment.ContentRootPath, "data", "ledger.db")}"
                : throw new InvalidOperationException("Ledger:Database:ConnectionString is required for the postgres engine."));
        return (engine, connectionString);
    }

    public static IServiceCollection AddStorage(this IServiceCollection services, Engine engine, string connectionString)
    {
        services.AddSingleton(_ => new LedgerDatabase(engine, connectionString));
        services.AddSingleton<Migrator>();
        services.AddSingleton<CommunityBook>();
        services.AddSingleton<IdentityBook>();
        services.AddSingleton<Journal>();
        services.AddSingleton<BalanceBook>();
        services.AddSingleton<Integrity>();
        services.AddSingleton<CommunityWriter>();
        services.AddSingleton<AuditBook>();
        services.AddSingleton<JobRunBook>();
        services.AddScoped<Writes>();
        services.AddHostedService<DatabaseStartup>();
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);
        return services;
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
