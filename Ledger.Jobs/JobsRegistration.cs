using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Ledger.Domain.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

public static class JobsRegistration
{
    /// <summary>
    /// Hangfire schedules the jobs; the jobs do the work. Storage: Hangfire.PostgreSql in the schema
    /// <c>hangfire</c> of the ledger's database, shared by every instance (each occurrence runs once);
    /// Hangfire.InMemory for the one-process SQLite default. The storage, filters and activator are
    /// this service instance's own, never Hangfire's process-wide defaults, so several instances in
    /// one process (tests, two nodes) keep apart. <paramref name="runServer"/> off: the dashboard
    /// still reads the storage, but this instance processes nothing.
    /// </summary>
    public static IServiceCollection AddLedgerJobs(this IServiceCollection services, Engine engine, string connectionString,
        bool runServer, TimeSpan pollInterval, int workers = 4)
    {
        services.AddSingleton<JobStorage>(_ => engine == Engine.Sqlite
            ? new InMemoryStorage()
            : new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, PostgresOptions(pollInterval)), PostgresOptions(pollInterval)));
        services.AddSingleton<JobRunRecorder>();
        // Attributes on the job classes (retry, no overlap) and Hangfire's global defaults, plus our recorder.
        services.AddSingleton<IJobFilterProvider>(sp => new JobFilterProviderCollection(
            JobFilterProviders.Providers, new JobFilterCollection { sp.GetRequiredService<JobRunRecorder>() }));
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<ITimeZoneResolver, DefaultTimeZoneResolver>();
        services.AddHangfire((sp, c) => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new InstanceLogProvider(sp.GetRequiredService<ILoggerFactory>())));

        if (runServer)
        {
            // Registered before the server starts, so its first poll already sees every recurring job.
            services.AddHostedService<JobSchedule>();
            services.AddHangfireServer((_, o) =>
            {
                o.WorkerCount = workers;
                o.SchedulePollingInterval = pollInterval;
                o.ServerCheckInterval = TimeSpan.FromMinutes(1);
            });
        }
        return services;
    }

    private static PostgreSqlStorageOptions PostgresOptions(TimeSpan pollInterval) => new()
    {
        SchemaName = "hangfire",
        PrepareSchemaIfNecessary = true,
        QueuePollInterval = pollInterval,
        DistributedLockTimeout = TimeSpan.FromMinutes(1),
    };
}
