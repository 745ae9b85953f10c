using Dapper;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.Tests.Jobs;

/// <summary>
/// Databases that ran the Quartz.NET version carry Quartz's own tables (its ProvisionSchema created
/// them): migration 0011 drops them, and nothing creates them again.
/// </summary>
public abstract class QuartzTablesTests(Engine engine)
{
    // The tables Quartz 4.7 provisioned, with its foreign keys, as it named them on each engine.
    private static readonly string[] Tables =
    [
        "job_details", "triggers", "simple_triggers", "cron_triggers", "simprop_triggers", "blob_triggers", "calendars",
        "paused_trigger_grps", "paused_job_grps", "fired_triggers", "scheduler_state", "locks", "execution_history",
        "misfire_history", "job_status",
    ];

    private static IEnumerable<string> QuartzDdl(string prefix) => Tables.Select(t => t switch
    {
        "job_details" => $"CREATE TABLE {prefix}job_details (sched_name VARCHAR(120) NOT NULL, job_name VARCHAR(150) NOT NULL, job_group VARCHAR(150) NOT NULL, PRIMARY KEY (sched_name, job_name, job_group))",
        "triggers" => $"CREATE TABLE {prefix}triggers (sched_name VARCHAR(120) NOT NULL, trigger_name VARCHAR(150) NOT NULL, trigger_group VARCHAR(150) NOT NULL, job_name VARCHAR(150) NOT NULL, job_group VARCHAR(150) NOT NULL, PRIMARY KEY (sched_name, trigger_name, trigger_group), FOREIGN KEY (sched_name, job_name, job_group) REFERENCES {prefix}job_details (sched_name, job_name, job_group))",
        "simple_triggers" or "cron_triggers" or "simprop_triggers" or "blob_triggers" =>
            $"CREATE TABLE {prefix}{t} (sched_name VARCHAR(120) NOT NULL, trigger_name VARCHAR(150) NOT NULL, trigger_group VARCHAR(150) NOT NULL, PRIMARY KEY (sched_name, trigger_name, trigger_group), FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES {prefix}triggers (sched_name, trigger_name, trigger_group))",
        _ => $"CREATE TABLE {prefix}{t} (sched_name VARCHAR(120) NOT NULL, name VARCHAR(200) NOT NULL, PRIMARY KEY (sched_name, name))",
    }).Concat([
        $"INSERT INTO {prefix}job_details VALUES ('ledger', 'month-close', 'ledger')",
        $"INSERT INTO {prefix}triggers VALUES ('ledger', 'month-close-hourly', 'ledger', 'month-close', 'ledger')",
        $"INSERT INTO {prefix}cron_triggers VALUES ('ledger', 'month-close-hourly', 'ledger')",
        $"INSERT INTO {prefix}scheduler_state VALUES ('ledger', 'node-1')",
    ]);

    [SkippableFact]
    public async Task Quartz_tables_left_by_the_earlier_version_are_dropped_and_not_created_again()
    {
        string connectionString;
        if (engine == Engine.Sqlite)
        {
            connectionString = $"Data Source={Path.Combine(Path.GetTempPath(), $"ledger-quartz-{Guid.NewGuid():N}.db")}";
            await using var c = new SqliteConnection(connectionString);
            await c.OpenAsync();
            await c.ExecuteAsync("PRAGMA foreign_keys = ON");
            foreach (var sql in QuartzDdl("QRTZ_")) await c.ExecuteAsync(sql); // Quartz wrote them in capitals on SQLite
        }
        else
        {
            connectionString = PostgresServer.CreateDatabase();
            await using var c = new NpgsqlConnection(connectionString);
            await c.OpenAsync();
            foreach (var sql in QuartzDdl("qrtz_")) await c.ExecuteAsync(sql);
        }
        Assert.Equal(Tables.Length, await QuartzTableCount(connectionString));

        using (var app = new LedgerApp(engine, JobsOnFixture.Settings, connectionString))
        {
            _ = app.Server;
            Assert.Equal(0, await QuartzTableCount(connectionString));
            // The service runs its jobs on Hangfire with them gone, and creates none of them again.
            await HangfireJobsTests.WaitUntil(() => Task.FromResult(app.Service<Hangfire.JobStorage>().GetMonitoringApi().Servers().Count == 1));
            Assert.Equal(0, await QuartzTableCount(connectionString));
        }
        if (engine == Engine.Sqlite)
        {
            SqliteConnection.ClearAllPools();
            File.Delete(connectionString["Data Source=".Length..]);
        }
    }

    private async Task<long> QuartzTableCount(string connectionString)
    {
        if (engine == Engine.Sqlite)
        {
            await using var c = new SqliteConnection(connectionString);
            return await c.QuerySingleAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND lower(name) LIKE 'qrtz%'");
        }
        await using var pg = new NpgsqlConnection(connectionString);
        return await pg.QuerySingleAsync<long>("SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE 'qrtz%'");
    }
}

public sealed class SqliteQuartzTablesTests() : QuartzTablesTests(Engine.Sqlite);

public sealed class PostgresQuartzTablesTests() : QuartzTablesTests(Engine.Postgres);
