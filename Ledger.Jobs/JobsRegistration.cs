using Ledger.Domain.Store;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Ledger.Jobs;

public static class JobsRegistration
{
    /// <summary>
    /// Quartz on its persistent job store in our own database: SQLite for the embedded default
    /// (one node), PostgreSQL clustered, so with several instances each trigger fires once.
    /// </summary>
    public static IServiceCollection AddLedgerJobs(this IServiceCollection services, Engine engine, string connectionString, TimeSpan idleWait)
    {
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "ledger";
                s.GenerateInstanceId = true;
                s.IdleWaitTime = idleWait;
            });
            q.UseDefaultThreadPool(4);
            // A failed run is retried (1, 2, 4 ... minutes, up to 5 times); every job is idempotent, so a retry is safe.
            q.UseDefaultRetryPolicy(RetryPolicy.Exponential(5, TimeSpan.FromMinutes(1), 2.0, TimeSpan.FromMinutes(30)));
            q.AddJobListener<JobRunRecorder>([GroupMatcher<JobKey>.AnyGroup()]);
            q.UsePersistentStore(store =>
            {
                if (engine == Engine.Sqlite) store.UseSqlite(connectionString);
                else
                {
                    store.UsePostgres(connectionString);
                    store.UseClustering(c => c.CheckinInterval = TimeSpan.FromSeconds(10));
                }
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
            });
            q.AddJob<IntegrityCheckJob>(j => j.WithIdentity(IntegrityCheckJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(IntegrityCheckJob.Key).WithIdentity("integrity-check-nightly", "ledger")
                .WithCronSchedule("0 30 2 * * ?", c => c.InTimeZone(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"))));

            // Hourly, so each community is billed soon after its own month begins, whatever its time zone.
            q.AddJob<MonthlyBillingJob>(j => j.WithIdentity(MonthlyBillingJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(MonthlyBillingJob.Key).WithIdentity("monthly-billing-hourly", "ledger")
                .WithCronSchedule("0 5 * * * ?"));

            q.AddJob<MotionDeadlinesJob>(j => j.WithIdentity(MotionDeadlinesJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(MotionDeadlinesJob.Key).WithIdentity("motion-deadlines-minutely", "ledger")
                .WithCronSchedule("0 * * * * ?"));

            q.AddJob<RemunerationAccrualJob>(j => j.WithIdentity(RemunerationAccrualJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(RemunerationAccrualJob.Key).WithIdentity("remuneration-accrual-daily", "ledger")
                .WithCronSchedule("0 20 1 * * ?", c => c.InTimeZone(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"))));

            q.AddJob<SpendingExpiryJob>(j => j.WithIdentity(SpendingExpiryJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(SpendingExpiryJob.Key).WithIdentity("spending-expiry-hourly", "ledger").WithCronSchedule("0 10 * * * ?"));

            q.AddJob<MonthCloseJob>(j => j.WithIdentity(MonthCloseJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(MonthCloseJob.Key).WithIdentity("month-close-hourly", "ledger").WithCronSchedule("0 15 * * * ?"));

            q.AddJob<ArrearsReminderJob>(j => j.WithIdentity(ArrearsReminderJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(ArrearsReminderJob.Key).WithIdentity("arrears-reminders-daily", "ledger")
                .WithCronSchedule("0 0 10 * * ?", c => c.InTimeZone(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"))));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
