using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>
/// Bills every community for its current month (in its own time zone) once a fee schedule is in
/// force. Idempotent by (community, month): the billing run itself returns the first run, so an
/// hourly trigger, a rerun after a crash or a second node changes nothing.
/// </summary>
[DisallowConcurrentExecution]
public sealed class MonthlyBillingJob(CommunityBook communities, CommunityWriter writer, FeeBook fees, TimeProvider clock,
    ILogger<MonthlyBillingJob> log) : IJob
{
    public static readonly JobKey Key = new("monthly-billing", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    // No schedule yet is normal for a new community.
    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Key.Name, async community =>
    {
        var month = Month.Of(Dates.Today(clock, community.Zone));
        return (await writer.DoAsync(community, null, async scope =>
        {
            var run = await fees.RunBillingAsync(scope, month);
            if (run is { Ok: true, Value.Created: true })
                log.LogInformation("Billed {Community} for {Month}: {Bills} bills, {Total} fen", community.Slug, month, run.Value.Bills, run.Value.Total);
            return run.Failure;
        }, ct)).FailureOf();
    }, ct, Codes.NoFeeSchedule);
}
