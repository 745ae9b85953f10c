using Ledger.Domain.Store;
using Quartz;

namespace Ledger.Jobs;

/// <summary>Hourly: pending spending requests past their expiry become expired, releasing their reservation. Idempotent.</summary>
[DisallowConcurrentExecution]
public sealed class SpendingExpiryJob(Communities communities, CommunityWriter writer) : IJob
{
    public static readonly JobKey Key = new("spending-expiry", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    public async Task RunAsync(CancellationToken ct = default)
    {
        foreach (var community in await communities.AllAsync())
            await writer.RunAsync(community, null, null, async scope =>
            {
                await Spending.ExpireDueAsync(scope);
                return new StoredResponse(200, "{}");
            }, ct);
    }
}
