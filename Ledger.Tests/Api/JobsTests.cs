using Ledger.Domain.Store;
using Ledger.Jobs;
using Ledger.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Tests.Api;

/// <summary>Jobs are plain classes with idempotent work: run them twice, get one effect.</summary>
public abstract class JobsTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    [SkippableFact]
    public async Task Monthly_billing_job_bills_each_community_once_however_often_it_runs()
    {
        var slug = await App.CommunityAsync("2026-09");
        var admin = await App.UserAsync(slug, "community_admin", "trustee_manager");
        var p = $"/api/v1/communities/{slug}";
        await (await admin.PostAsync(p + "/units", new { building = "1", number = "1", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201);
        await (await admin.PutAsync(p + "/fee-schedule", new { effectiveFrom = "2026-09", rates = new { residential = "2.00" } })).AssertStatus(200);

        var job = ActivatorUtilities.CreateInstance<MonthlyBillingJob>(App.Services);
        await Task.WhenAll(job.RunAsync(), job.RunAsync());
        await job.RunAsync();

        var bills = (await admin.GetJsonAsync(p + "/bills"))["items"]!.AsArray();
        var bill = Assert.Single(bills)!;
        Assert.Equal("2026-11", bill["month"]!.GetValue<string>());
        Assert.Equal(20000, bill["amount"]!.GetValue<long>());
        var community = (await App.Service<CommunityBook>().FindAsync(slug))!;
        Assert.True((await App.Service<Integrity>().CheckAsync(community)).Ok);
    }

    /// <summary>
    /// A job works on communities at once on PostgreSQL (their writes are independent) and one at a time on
    /// SQLite (one writer); either way every community is visited and one community's failure is reported by
    /// name without stopping the others.
    /// </summary>
    [SkippableFact]
    public async Task A_job_visits_every_community_at_once_on_postgres_and_reports_each_failure()
    {
        var failing = await App.CommunityAsync();
        await App.CommunityAsync();
        var communities = App.Service<CommunityBook>();
        var all = await communities.AllAsync();
        int running = 0, most = 0;
        var visited = new System.Collections.Concurrent.ConcurrentBag<string>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => EachCommunity.RunAsync(communities,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "test-job", async community =>
            {
                var now = Interlocked.Increment(ref running);
                for (var seen = most; now > seen; seen = most) Interlocked.CompareExchange(ref most, now, seen);
                await Task.Delay(5);
                Interlocked.Decrement(ref running);
                visited.Add(community.Slug);
                return community.Slug == failing ? new Ledger.Domain.Model.Failure("test_refused", "refused on purpose") : null;
            }, CancellationToken.None));
        Assert.Equal(all.Select(c => c.Slug).Order(StringComparer.Ordinal), visited.Order(StringComparer.Ordinal));
        Assert.Equal($"test-job failed for 1 community(ies): {failing}: test_refused", error.Message);
        if (App.Service<LedgerDatabase>().Engine == Engine.Sqlite) Assert.Equal(1, most);
        else Assert.InRange(most, 2, communities.CommunitiesAtOnce);
    }

    [SkippableFact]
    public async Task Month_close_killed_mid_run_is_completed_by_the_rerun_without_duplicates()
    {
        var slug = await App.CommunityAsync("2025-11");
        var admin = await App.UserAsync(slug, "community_admin", "trustee_manager");
        var p = $"/api/v1/communities/{slug}";
        await (await admin.PutAsync(p + "/trust-terms", FeesApiTests.TrustTermsJson())).AssertStatus(200);
        foreach (var month in Enumerable.Range(0, 12).Select(i => new DateOnly(2025, 11, 15).AddMonths(i)))
            await (await admin.PostAsync(p + "/entries", new
            {
                date = month.ToString("yyyy-MM-dd"), memo = "押金", fund = "common",
                lines = new object[] { new { account = "1002", debit = 10_000 }, new { account = "2241", credit = 10_000 } },
            })).AssertStatus(201);
        var community = (await App.Service<CommunityBook>().FindAsync(slug))!;
        var db = App.Service<LedgerDatabase>();
        async Task<long> Count(string sql)
        {
            await using var c = await db.OpenAsync();
            return await Dapper.SqlMapper.QuerySingleAsync<long>(c, sql, new { community.Id });
        }

        // A run that died after three months: each month closes in its own transaction, so that is what it leaves.
        foreach (var month in new[] { "2025-11", "2025-12", "2026-01" })
            await (await admin.PostAsync(p + $"/months/{month}/close", null)).AssertStatus(200);
        // Another run, cancelled as soon as it closes one more month: what it committed stays, the rest rolls back.
        var job = ActivatorUtilities.CreateInstance<MonthCloseJob>(App.Services);
        using var kill = new CancellationTokenSource();
        var run = job.RunAsync(kill.Token);
        while (!run.IsCompleted && await Count("SELECT COUNT(*) FROM closed_months WHERE community_id = @Id") == 3) { }
        kill.Cancel();
        try { await run; } catch (OperationCanceledException) { /* killed mid-run */ }
        Assert.InRange(await Count("SELECT COUNT(*) FROM closed_months WHERE community_id = @Id"), 4, 12);

        await job.RunAsync();
        await job.RunAsync();
        Assert.Equal(12, await Count("SELECT COUNT(*) FROM closed_months WHERE community_id = @Id"));
        Assert.Equal(12, await Count("SELECT COUNT(*) FROM statements WHERE community_id = @Id AND kind = 'month'"));
        Assert.Equal(0, await Count("SELECT COUNT(*) FROM (SELECT period FROM statements WHERE community_id = @Id GROUP BY period HAVING COUNT(*) > 1) d"));
        Assert.True((await App.Service<Integrity>().CheckAsync(community)).Ok);
        var report = await Ledger.Api.Verification.Verifier.VerifyAsync(App.CreateClient(), $"http://localhost/p/{slug}");
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }

    [SkippableFact]
    public async Task Motion_deadlines_job_closes_a_vote_once_its_time_is_up()
    {
        var slug = await App.CommunityAsync("2026-09");
        var admin = await App.UserAsync(slug, "community_admin");
        var now = App.Clock.GetUtcNow();
        var id = (await (await admin.PostAsync($"/api/v1/communities/{slug}/motions", new
        {
            kind = "other", title = "更换门禁", body = "是否更换门禁系统", opensAt = now.AddDays(15).AddHours(1), closesAt = now.AddDays(18),
        })).AssertStatus(201))["id"]!.GetValue<long>();
        var job = ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services);
        var db = App.Service<LedgerDatabase>();
        async Task<string> Status()
        {
            await using var c = await db.OpenAsync();
            return await Dapper.SqlMapper.QuerySingleAsync<string>(c, "SELECT status FROM motions WHERE id = @id", new { id });
        }
        await job.RunAsync();
        Assert.Equal("scheduled", await Status());
        App.Clock.Advance(TimeSpan.FromDays(15) + TimeSpan.FromHours(2));
        await job.RunAsync();
        Assert.Equal("open", await Status());
        App.Clock.Advance(TimeSpan.FromDays(3));
        await Task.WhenAll(job.RunAsync(), job.RunAsync());
        Assert.Equal("closed", await Status());
        var result = await App.Anonymous().GetJsonAsync($"/api/v1/communities/{slug}/motions/{id}/result");
        Assert.False(result["quorumMet"]!.GetValue<bool>());
        App.Clock.Advance(TimeSpan.FromDays(-18) - TimeSpan.FromHours(2));
    }
}

public sealed class SqliteJobsTests(SqliteFixture fixture) : JobsTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresJobsTests(PostgresFixture fixture) : JobsTests(fixture), IClassFixture<PostgresFixture>;
