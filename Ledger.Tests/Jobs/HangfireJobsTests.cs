using System.Net;
using Dapper;
using Hangfire;
using Hangfire.Storage;
using Ledger.Domain.Store;
using Ledger.Jobs;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Jobs;

/// <summary>
/// The jobs through Hangfire itself, on each engine's storage (in memory beside SQLite, schema
/// <c>hangfire</c> in PostgreSQL): the recurring definitions, a triggered occurrence recorded in
/// job_runs, a failing run recorded and retried with backoff, and the dashboard's own trigger.
/// </summary>
public abstract class HangfireJobsTests(JobsOnFixture fixture)
{
    private LedgerApp App => fixture.App;

    [SkippableFact]
    public async Task Every_periodic_job_is_a_recurring_job_with_its_stable_id_and_local_times_in_the_community_zone()
    {
        using var connection = App.Service<JobStorage>().GetConnection();
        var recurring = connection.GetRecurringJobs().ToDictionary(j => j.Id);
        Assert.Equal(
            ["arrears-reminders", "integrity-check", "month-close", "monthly-billing", "motion-deadlines", "remuneration-accrual", "spending-expiry"],
            recurring.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Asia/Shanghai", recurring["integrity-check"].TimeZoneId);
        Assert.Equal("30 2 * * *", recurring["integrity-check"].Cron);
        Assert.Equal("Asia/Shanghai", recurring["remuneration-accrual"].TimeZoneId);
        Assert.Equal("Asia/Shanghai", recurring["arrears-reminders"].TimeZoneId);
        Assert.Equal(typeof(MonthCloseJob), recurring["month-close"].Job.Type);
        Assert.All(recurring.Values, j => Assert.NotNull(j.NextExecution));
    }

    [SkippableFact]
    public async Task A_triggered_recurring_job_runs_through_hangfire_does_its_work_and_is_recorded()
    {
        var slug = await App.CommunityAsync("2026-09");
        var admin = await App.UserAsync(slug, "community_admin", "trustee_manager");
        await (await admin.PutAsync($"/api/v1/communities/{slug}/trust-terms", Api.FeesApiTests.TrustTermsJson())).AssertStatus(200);
        await Deposit(admin, slug, "2026-10-09");

        var id = App.Service<IRecurringJobManagerV2>().TriggerJob(MonthCloseJob.Id);
        Assert.NotNull(id);
        await WaitForStateAsync(App, id!, "Succeeded");

        var platform = await App.AdminAsync();
        var runs = (await platform.GetJsonAsync($"/api/v1/jobs/runs?job={MonthCloseJob.Id}"))["items"]!.AsArray();
        var run = Assert.Single(runs, r => r!["hangfireJob"]!.GetValue<string>() == id)!;
        Assert.Equal("ok", run["outcome"]!.GetValue<string>());
        Assert.NotNull(run["finishedAt"]);
        Assert.False(string.IsNullOrEmpty(run["instance"]!.GetValue<string>()));
        // The runs page newest first, a cursor continuing where the last page ended.
        var newest = (await platform.GetJsonAsync("/api/v1/jobs/runs?limit=500"))["items"]!.AsArray().Select(r => r!["id"]!.GetValue<long>()).Take(3).ToList();
        var walked = new List<long>();
        string? after = null;
        while (walked.Count < newest.Count)
        {
            var page = await platform.GetJsonAsync("/api/v1/jobs/runs?limit=1" + (after is null ? "" : $"&after={after}"));
            walked.Add(Assert.Single(page["items"]!.AsArray())!["id"]!.GetValue<long>());
            after = page["next"]?.GetValue<string>(); // null on the last page, even when it is full
            if (after is null) break;
        }
        Assert.Equal(newest, walked);
        // The work itself: September and October closed, each with its statement (the clock says 21 November).
        var community = (await App.Service<CommunityBook>().FindAsync(slug))!;
        Assert.Equal(2, await CountAsync(App, $"SELECT COUNT(*) FROM closed_months WHERE community_id = {community.Id}"));
        Assert.Equal(1, await CountAsync(App, $"SELECT COUNT(*) FROM statements WHERE community_id = {community.Id} AND period = '2026-10'"));
    }

    [SkippableFact]
    public async Task A_failing_run_is_recorded_as_failed_and_retried_with_backoff()
    {
        var slug = await App.CommunityAsync("2026-09");
        var admin = await App.UserAsync(slug, "community_admin", "trustee_manager");
        await Deposit(admin, slug, "2026-11-09");
        var community = (await App.Service<CommunityBook>().FindAsync(slug))!;
        await using (var c = await App.Service<LedgerDatabase>().OpenAsync())
            await c.ExecuteAsync("UPDATE account_balances SET debit_fen = debit_fen + 1, credit_fen = credit_fen + 1 WHERE community_id = @Id AND account_code = '1002'",
                new { community.Id });

        var id = App.Service<IRecurringJobManagerV2>().TriggerJob(IntegrityCheckJob.Id)!;
        // Failed once, then scheduled for a retry a minute later (not run again at once, not dropped).
        var details = await WaitForStateAsync(App, id, "Scheduled", after: "Failed");
        var retry = details.History.First(h => h.StateName == "Scheduled");
        Assert.Contains("Retry attempt 1 of 5", retry.Reason);
        // Hangfire keeps the instants as Unix milliseconds.
        var delay = long.Parse(retry.Data["EnqueueAt"], System.Globalization.CultureInfo.InvariantCulture)
            - long.Parse(retry.Data["ScheduledAt"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(delay, 59_000, 61_000);

        var runs = (await (await App.AdminAsync()).GetJsonAsync($"/api/v1/jobs/runs?job={IntegrityCheckJob.Id}"))["items"]!.AsArray();
        var run = Assert.Single(runs, r => r!["hangfireJob"]!.GetValue<string>() == id)!;
        Assert.Equal("failed", run["outcome"]!.GetValue<string>());
        Assert.Contains("integrity_failed", run["error"]!.GetValue<string>());
        Assert.Contains(slug, run["error"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task The_dashboards_trigger_button_runs_a_job_once_for_a_platform_admin_with_the_antiforgery_token()
    {
        var platform = await App.AdminAsync();
        var page = await platform.GetAsync("/jobs/recurring");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("month-close", html);
        Assert.Contains("js-jobs-list-command", html); // not read-only: the trigger and delete buttons are there
        var (header, token) = Api.JobsDashboardTests.Antiforgery(html);

        var before = await CountAsync(App, $"SELECT COALESCE(MAX(id), 0) FROM job_runs");
        var trigger = new HttpRequestMessage(HttpMethod.Post, "/jobs/recurring/trigger")
        {
            Content = new FormUrlEncodedContent([new("jobs[]", MotionDeadlinesJob.Id)]),
        };
        trigger.Headers.Add(header, token);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.SendAsync(trigger)).StatusCode);
        var newRuns = $"FROM job_runs WHERE job = '{MotionDeadlinesJob.Id}' AND id > {before}";
        await WaitUntil(async () => await CountAsync(App, $"SELECT COUNT(*) {newRuns} AND outcome = 'ok'") >= 1);
        await Task.Delay(1500); // time for a (wrong) second run of the same job
        // Each Hangfire job ran once (the minutely schedule may add its own occurrence meanwhile).
        Assert.Equal(0, await CountAsync(App, $"SELECT COUNT(*) FROM (SELECT hangfire_job {newRuns} GROUP BY hangfire_job HAVING COUNT(*) > 1) twice"));
        Assert.Equal(0, await CountAsync(App, $"SELECT COUNT(*) {newRuns} AND outcome = 'failed'"));
    }

    internal static async Task Deposit(ApiClient admin, string slug, string date) =>
        await (await admin.PostAsync($"/api/v1/communities/{slug}/entries", new
        {
            date, memo = "押金", fund = "common",
            lines = new object[] { new { account = "1002", debit = 50_000 }, new { account = "2241", credit = 50_000 } },
        })).AssertStatus(201);

    internal static async Task<long> CountAsync(LedgerApp app, string sql)
    {
        await using var c = await app.Service<LedgerDatabase>().OpenAsync();
        return await c.QuerySingleAsync<long>(sql);
    }

    /// <summary>Polls Hangfire's monitoring API until the job reaches <paramref name="state"/> (after <paramref name="after"/>, if given).</summary>
    internal static async Task<Hangfire.Storage.Monitoring.JobDetailsDto> WaitForStateAsync(LedgerApp app, string id, string state, string? after = null)
    {
        var monitoring = app.Service<JobStorage>().GetMonitoringApi();
        Hangfire.Storage.Monitoring.JobDetailsDto? details = null;
        await WaitUntil(() =>
        {
            details = monitoring.JobDetails(id);
            var states = details?.History.Select(h => h.StateName).ToList() ?? [];
            return Task.FromResult(states.Contains(state) && (after is null || states.Contains(after)));
        }, () =>
        {
            var stats = monitoring.GetStatistics();
            return string.Join(", ", details?.History.Select(h => $"{h.StateName}: {h.Reason}") ?? [])
                + $" | enqueued {stats.Enqueued}, processing {stats.Processing}, servers "
                + string.Join("; ", monitoring.Servers().Select(s => $"{s.Name} [{string.Join(",", s.Queues)}] x{s.WorkersCount}"))
                + " | processing: " + string.Join("; ", monitoring.ProcessingJobs(0, 20).Select(j => $"{j.Key} {j.Value.Job?.Type.Name} on {j.Value.ServerId}"));
        });
        return details!;
    }

    internal static async Task WaitUntil(Func<Task<bool>> condition, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90); // generous: CI machines are shared
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not there in 90 s. {describe?.Invoke()}");
            await Task.Delay(100);
        }
    }
}

/// <summary>One service instance per engine that runs a Hangfire server (the shared fixtures run none).</summary>
public abstract class JobsOnFixture : IDisposable
{
    internal static readonly Dictionary<string, string?> Settings = new()
    {
        ["Ledger:Jobs:Enabled"] = "true",
        ["Ledger:Jobs:PollSeconds"] = "1",
    };

    private readonly Lazy<LedgerApp> _app;

    protected JobsOnFixture(Engine engine) => _app = new Lazy<LedgerApp>(() =>
    {
        var app = new LedgerApp(engine, Settings);
        _ = app.Server;
        return app;
    });

    public LedgerApp App => _app.Value;

    public void Dispose()
    {
        if (_app.IsValueCreated) _app.Value.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteJobsOnFixture() : JobsOnFixture(Engine.Sqlite);

public sealed class PostgresJobsOnFixture() : JobsOnFixture(Engine.Postgres);

public sealed class SqliteHangfireJobsTests(SqliteJobsOnFixture fixture) : HangfireJobsTests(fixture), IClassFixture<SqliteJobsOnFixture>;

public sealed class PostgresHangfireJobsTests(PostgresJobsOnFixture fixture) : HangfireJobsTests(fixture), IClassFixture<PostgresJobsOnFixture>;
