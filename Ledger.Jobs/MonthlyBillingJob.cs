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
public sealed class MonthlyBillingJob(Communities communities, CommunityWriter writer, FeeBook fees, TimeProvider clock,
    ILogger<MonthlyBillingJob> log) : IJob
{
    public static readonly JobKey Key = new("monthly-billing", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    public async Task RunAsync(CancellationToken ct = default)
    {
        foreach (var community in await communities.AllAsync())
        {
            ct.ThrowIfCancellationRequested();
            var month = Month.Of(Dates.Today(clock, community.Zone));
            var outcome = await writer.RunAsync(community, null, null, async scope =>
            {
                var run = await fees.RunBillingAsync(scope, month);
                if (!run.Ok) return run.Failure!;
                if (run.Value!.Created)
                    log.LogInformation("Billed {Community} for {Month}: {Bills} bills, {Total} fen", community.Slug, month, run.Value.Bills, run.Value.Total);
                return new StoredResponse(200, "{}");
            }, ct);
            // No schedule yet is normal for a new community; anything else is worth a look.
            if (outcome is WriteOutcome.Failed { Failure.Code: not Codes.NoFeeSchedule } failed)
                log.LogWarning("Billing {Community} for {Month} refused: {Code} {Detail}", community.Slug, month, failed.Failure.Code, failed.Failure.Detail);
        }
    }
}
