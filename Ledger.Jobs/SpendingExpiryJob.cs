using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>Hourly: pending spending requests past their expiry become expired, releasing their reservation. Idempotent.</summary>
[DisallowConcurrentExecution]
public sealed class SpendingExpiryJob(CommunityBook communities, CommunityWriter writer, ILogger<SpendingExpiryJob> log) : IJob
{
    public static readonly JobKey Key = new("spending-expiry", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Key.Name, async community =>
        (await writer.DoAsync(community, null, async scope =>
        {
            await SpendingBook.ExpireDueAsync(scope);
            return null;
        }, ct)).FailureOf(), ct);
}
