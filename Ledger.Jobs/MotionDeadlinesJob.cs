using Hangfire;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>
/// Every minute: opens motions whose time has come (snapshotting the register) and closes those past
/// their deadline (tally, and its effect such as putting a budget in force). Idempotent by motion:
/// a closed motion is never counted again, and a ballot or a read does the same work if it comes first.
/// </summary>
[DisableConcurrentExecution(JobSchedule.LockTimeoutSeconds)]
[AutomaticRetry(Attempts = JobSchedule.RetryAttempts, DelaysInSeconds = [60, 120, 240, 480, 960])]
public sealed class MotionDeadlinesJob(CommunityBook communities, MotionBook motions, CommunityWriter writer, ILogger<MotionDeadlinesJob> log)
{
    /// <summary>The recurring job id, as the dashboard and <c>job_runs</c> name it.</summary>
    public const string Id = "motion-deadlines";

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Id, async community =>
    {
        var advanced = await motions.AdvanceDueAsync(community, writer, ct: ct);
        if (advanced > 0) log.LogInformation("Advanced {Count} motion(s) of {Community}", advanced, community.Slug);
        return null;
    }, ct);
}
