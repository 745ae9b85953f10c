using Dapper;
using Hangfire;
using Hangfire.Storage;
using Ledger.Domain.Store;
using Ledger.Jobs;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Jobs;

/// <summary>
/// Two service instances, each with its own Hangfire server, sharing Hangfire.PostgreSql's storage
/// in one database: each occurrence runs once, and a month's statement is built exactly once
/// whichever node runs it and however many times both are asked.
/// </summary>
public sealed class ClusterTests
{
    [SkippableFact]
    public async Task Two_servers_on_one_postgres_run_each_occurrence_once_and_build_a_months_statement_exactly_once()
    {
        using var nodeA = new LedgerApp(Engine.Postgres, JobsOnFixture.Settings);
        _ = nodeA.Server;
        using var nodeB = new LedgerApp(Engine.Postgres, JobsOnFixture.Settings, nodeA.ConnectionString);
        _ = nodeB.Server;
        var slug = await nodeA.CommunityAsync("2026-09");
        var admin = await nodeA.UserAsync(slug, "community_admin", "trustee_manager");
        await (await admin.PutAsync($"/api/v1/communities/{slug}/trust-terms", Api.FeesApiTests.TrustTermsJson())).AssertStatus(200);
        await HangfireJobsTests.Deposit(admin, slug, "2026-10-09");

        var storageA = nodeA.Service<JobStorage>();
        Assert.NotSame(storageA, nodeB.Service<JobStorage>()); // two instances, not one shared object
        await HangfireJobsTests.WaitUntil(() => Task.FromResult(storageA.GetMonitoringApi().Servers().Count == 2),
            () => string.Join(", ", storageA.GetMonitoringApi().Servers().Select(s => s.Name)));
        long Count(string sql) => HangfireJobsTests.CountAsync(nodeA, sql).GetAwaiter().GetResult();

        // One occurrence in the shared store: it runs on one node only.
        var first = nodeA.Service<IRecurringJobManagerV2>().TriggerJob(MonthCloseJob.Id)!;
        await HangfireJobsTests.WaitForStateAsync(nodeA, first, "Succeeded");
        await Task.Delay(2000); // time for the other node to (wrongly) run it too
        Assert.Equal(1, Count($"SELECT COUNT(*) FROM job_runs WHERE hangfire_job = '{first}'"));
        Assert.Equal(2, Count("SELECT COUNT(*) FROM closed_months"));

        // Both nodes told to run it at once: two runs, each once, and the work is idempotent by (community, period).
        var ids = await Task.WhenAll(
            Task.Run(() => nodeA.Service<IRecurringJobManagerV2>().TriggerJob(MonthCloseJob.Id)!),
            Task.Run(() => nodeB.Service<IRecurringJobManagerV2>().TriggerJob(MonthCloseJob.Id)!));
        Assert.NotEqual(ids[0], ids[1]);
        foreach (var id in ids) await HangfireJobsTests.WaitForStateAsync(nodeA, id, "Succeeded");
        foreach (var id in ids) Assert.Equal(1, Count($"SELECT COUNT(*) FROM job_runs WHERE hangfire_job = '{id}' AND outcome = 'ok'"));

        // A recurring schedule every two seconds, with both servers polling it: one job per occurrence.
        nodeA.Service<IRecurringJobManagerV2>().AddOrUpdate<MonthCloseJob>(MonthCloseJob.Id, j => j.RunAsync(CancellationToken.None),
            "*/2 * * * * *", new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        await Task.Delay(TimeSpan.FromSeconds(9));
        nodeA.Service<IRecurringJobManagerV2>().RemoveIfExists(MonthCloseJob.Id);
        await Task.Delay(TimeSpan.FromSeconds(3)); // let the last occurrences finish
        var scheduled = (await ListAsync(nodeA, "SELECT DISTINCT hangfire_job FROM job_runs WHERE job = 'month-close'"))
            .Except([first, .. ids]).ToList();
        Assert.InRange(scheduled.Count, 3, 6); // about 9 s / 2 s; both nodes scheduling each occurrence would make 8 to 10
        // Each job is a different occurrence (its scheduling second), and ran once.
        using (var connection = storageA.GetConnection())
        {
            var times = scheduled.Select(id => long.Parse(connection.GetJobParameter(id, "Time").Trim('"'), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(times.Count, times.Distinct().Count());
        }
        Assert.Equal(0, Count("SELECT COUNT(*) FROM (SELECT hangfire_job FROM job_runs GROUP BY hangfire_job HAVING COUNT(*) > 1) twice"));
        Assert.Equal(0, Count("SELECT COUNT(*) FROM job_runs WHERE outcome <> 'ok'"));

        Assert.Equal(2, Count("SELECT COUNT(*) FROM closed_months"));
        Assert.Equal(1, Count("SELECT COUNT(*) FROM statements WHERE period = '2026-10'"));
        Assert.Equal(1, Count("SELECT COUNT(*) FROM statements WHERE period = '2026-09'"));
        var community = (await nodeA.Service<CommunityBook>().FindAsync(slug))!;
        Assert.True((await nodeA.Service<Integrity>().CheckAsync(community)).Ok);
    }

    private static async Task<List<string>> ListAsync(LedgerApp app, string sql)
    {
        await using var c = await app.Service<LedgerDatabase>().OpenAsync();
        return (await c.QueryAsync<string>(sql)).ToList();
    }
}
