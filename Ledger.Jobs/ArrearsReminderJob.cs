using Hangfire;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>Daily: queues an arrears reminder for each unit more than 30 days behind, at most once a month per unit.</summary>
[DisableConcurrentExecution(JobSchedule.LockTimeoutSeconds)]
[AutomaticRetry(Attempts = JobSchedule.RetryAttempts, DelaysInSeconds = [60, 120, 240, 480, 960])]
public sealed class ArrearsReminderJob(CommunityBook communities, CommunityWriter writer, ILogger<ArrearsReminderJob> log)
{
    /// <summary>The recurring job id, as the dashboard and <c>job_runs</c> name it.</summary>
    public const string Id = "arrears-reminders";

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Id, async community =>
        (await writer.DoAsync(community, null, async scope =>
        {
            var added = await ReminderBook.QueueArrearsAsync(scope);
            if (added > 0) log.LogInformation("Queued {Count} arrears reminder(s) for {Community}", added, community.Slug);
            return null;
        }, ct)).FailureOf(), ct);
}
