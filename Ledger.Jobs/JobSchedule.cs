using Hangfire;
using Microsoft.Extensions.Hosting;

namespace Ledger.Jobs;

/// <summary>
/// The recurring jobs, by stable id. Hangfire stores each definition; <c>AddOrUpdate</c> at every
/// start keeps them as written here. Times that mean a local time (01:20, 02:30, 10:00) are in the
/// default community time zone, Asia/Shanghai; the hourly and minutely jobs work out each
/// community's own date in its own zone, so they need none.
/// </summary>
public sealed class JobSchedule(IRecurringJobManagerV2 recurring) : IHostedService
{
    /// <summary>How long a second run waits for the first to finish before it fails (and is retried).</summary>
    public const int LockTimeoutSeconds = 600;

    /// <summary>A failed run is retried after 1, 2, 4, 8 and 16 minutes; every job is idempotent, so a retry is safe.</summary>
    public const int RetryAttempts = 5;

    public static readonly TimeZoneInfo LocalZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static readonly IReadOnlyList<string> Ids =
    [
        MonthlyBillingJob.Id, MonthCloseJob.Id, MotionDeadlinesJob.Id, RemunerationAccrualJob.Id,
        SpendingExpiryJob.Id, ArrearsReminderJob.Id, IntegrityCheckJob.Id,
    ];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
        var local = new RecurringJobOptions { TimeZone = LocalZone };
        // Hourly, so each community is billed soon after its own month begins, whatever its time zone.
        recurring.AddOrUpdate<MonthlyBillingJob>(MonthlyBillingJob.Id, j => j.RunAsync(CancellationToken.None), "5 * * * *", utc);
        recurring.AddOrUpdate<MonthCloseJob>(MonthCloseJob.Id, j => j.RunAsync(CancellationToken.None), "15 * * * *", utc);
        recurring.AddOrUpdate<MotionDeadlinesJob>(MotionDeadlinesJob.Id, j => j.RunAsync(CancellationToken.None), "* * * * *", utc);
        recurring.AddOrUpdate<RemunerationAccrualJob>(RemunerationAccrualJob.Id, j => j.RunAsync(CancellationToken.None), "20 1 * * *", local);
        recurring.AddOrUpdate<SpendingExpiryJob>(SpendingExpiryJob.Id, j => j.RunAsync(CancellationToken.None), "10 * * * *", utc);
        recurring.AddOrUpdate<ArrearsReminderJob>(ArrearsReminderJob.Id, j => j.RunAsync(CancellationToken.None), "0 10 * * *", local);
        recurring.AddOrUpdate<IntegrityCheckJob>(IntegrityCheckJob.Id, j => j.RunAsync(CancellationToken.None), "30 2 * * *", local);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
