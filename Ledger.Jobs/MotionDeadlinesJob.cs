using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>
/// Every minute: opens motions whose time has come (snapshotting the register) and closes those past
/// their deadline (tally, and its effect such as putting a budget in force). Idempotent by motion:
/// a closed motion is never counted again, and a ballot or a read does the same work if it comes first.
/// </summary>
[DisallowConcurrentExecution]
public sealed class MotionDeadlinesJob(CommunityBook communities, MotionBook motions, CommunityWriter writer, ILogger<MotionDeadlinesJob> log) : IJob
{
    public static readonly JobKey Key = new("motion-deadlines", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Key.Name, async community =>
    {
        var advanced = await motions.AdvanceDueAsync(community, writer, ct: ct);
        if (advanced > 0) log.LogInformation("Advanced {Count} motion(s) of {Community}", advanced, community.Slug);
        return null;
    }, ct);
}
