using Dapper;
using Ledger.Domain.Store;
using Ledger.Jobs;
using Ledger.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Ledger.Tests.Jobs;

/// <summary>
/// Two service instances with their Quartz schedulers clustered on one PostgreSQL database: a month's
/// statement is built exactly once, whichever node fires and however many times it is asked.
/// </summary>
public sealed class ClusterTests
{
    private static readonly Dictionary<string, string?> JobsOn = new()
    {
        ["Ledger:Jobs:Enabled"] = "true",
        ["Ledger:Jobs:IdleWaitSeconds"] = "1",
    };

    [SkippableFact]
    public async Task Two_schedulers_on_one_postgres_build_a_months_statement_exactly_once()
    {
        using var nodeA = new LedgerApp(Engine.Postgres, JobsOn);
        _ = nodeA.Server;
        using var nodeB = new LedgerApp(Engine.Postgres, JobsOn, nodeA.ConnectionString);
        _ = nodeB.Server;
        var slug = await nodeA.CommunityAsync("2026-09");
        var admin = await nodeA.UserAsync(slug, "community_admin", "trustee_manager");
        await (await admin.PutAsync($"/api/v1/communities/{slug}/trust-terms", Api.FeesApiTests.TrustTermsJson())).AssertStatus(200);
        await (await admin.PostAsync($"/api/v1/communities/{slug}/entries", new
        {
            date = "2026-10-09", memo = "押金", fund = "common",
            lines = new object[] { new { account = "1002", debit = 50_000 }, new { account = "2241", credit = 50_000 } },
        })).AssertStatus(201);

        var schedulerA = await nodeA.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var schedulerB = await nodeB.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        Assert.NotEqual(schedulerA.SchedulerInstanceId, schedulerB.SchedulerInstanceId);
        var db = nodeA.Service<LedgerDatabase>();
        async Task<long> CountAsync(string sql)
        {
            await using var c = await db.OpenAsync();
            return await c.QuerySingleAsync<long>(sql);
        }
        await WaitUntil(async () => await CountAsync("SELECT COUNT(*) FROM qrtz_scheduler_state") == 2, async () =>
        {
            await using var c = await db.OpenAsync();
            return string.Join("; ", await c.QueryAsync<string>("SELECT sched_name || '/' || instance_name FROM qrtz_scheduler_state"))
                + $" | A={schedulerA.SchedulerInstanceId} B={schedulerB.SchedulerInstanceId} A.name={schedulerA.SchedulerName}";
        });

        // One trigger in the shared store: it fires on one node only.
        await schedulerA.ScheduleJob(TriggerBuilder.Create().ForJob(MonthCloseJob.Key).WithIdentity("once", "test").StartAt(nodeA.Clock.GetUtcNow()).Build());
        await WaitUntil(async () => await CountAsync("SELECT COUNT(*) FROM job_runs WHERE job = 'month-close' AND outcome <> 'running'") >= 1);
        await Task.Delay(1500); // time for a second node to (wrongly) fire it too
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM job_runs WHERE job = 'month-close'"));

        // Both nodes asked at once: the work is idempotent by (community, period).
        await Task.WhenAll(schedulerA.TriggerJob(MonthCloseJob.Key).AsTask(), schedulerB.TriggerJob(MonthCloseJob.Key).AsTask());
        await WaitUntil(async () => await CountAsync("SELECT COUNT(*) FROM job_runs WHERE job = 'month-close' AND outcome = 'ok'") >= 3);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM job_runs WHERE outcome = 'failed'"));
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM closed_months"));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM statements WHERE period = '2026-10'"));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM statements WHERE period = '2026-09'"));
        var community = (await nodeA.Service<CommunityBook>().FindAsync(slug))!;
        Assert.True((await nodeA.Service<Integrity>().CheckAsync(community)).Ok);
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The cluster did not get there in 30 s. {(describe is null ? "" : await describe())}");
            await Task.Delay(200);
        }
    }
}
