using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>Daily: queues an arrears reminder for each unit more than 30 days behind, at most once a month per unit.</summary>
[DisallowConcurrentExecution]
public sealed class ArrearsReminderJob(CommunityBook communities, CommunityWriter writer, ILogger<ArrearsReminderJob> log) : IJob
{
    public static readonly JobKey Key = new("arrears-reminders", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Key.Name, async community =>
        (await writer.DoAsync(community, null, async scope =>
        {
            var added = await ReminderBook.QueueArrearsAsync(scope);
            if (added > 0) log.LogInformation("Queued {Count} arrears reminder(s) for {Community}", added, community.Slug);
            return null;
        }, ct)).FailureOf(), ct);
}
