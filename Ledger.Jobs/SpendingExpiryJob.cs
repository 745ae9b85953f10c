using Hangfire;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>Hourly: pending spending requests past their expiry become expired, releasing their reservation. Idempotent.</summary>
[DisableConcurrentExecution(JobSchedule.LockTimeoutSeconds)]
[AutomaticRetry(Attempts = JobSchedule.RetryAttempts, DelaysInSeconds = [60, 120, 240, 480, 960])]
public sealed class SpendingExpiryJob(CommunityBook communities, CommunityWriter writer, ILogger<SpendingExpiryJob> log)
{
    /// <summary>The recurring job id, as the dashboard and <c>job_runs</c> name it.</summary>
    public const string Id = "spending-expiry";

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Id, async community =>
        (await writer.DoAsync(community, null, async scope =>
        {
            await SpendingBook.ExpireDueAsync(scope);
            return null;
        }, ct)).FailureOf(), ct);
}
