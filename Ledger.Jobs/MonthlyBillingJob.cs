using Hangfire;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>
/// Bills every community for its current month (in its own time zone) once a fee schedule is in
/// force. Idempotent by (community, month): the billing run itself returns the first run, so an
/// hourly trigger, a rerun after a crash or a second node changes nothing.
/// </summary>
[DisableConcurrentExecution(JobSchedule.LockTimeoutSeconds)]
[AutomaticRetry(Attempts = JobSchedule.RetryAttempts, DelaysInSeconds = [60, 120, 240, 480, 960])]
public sealed class MonthlyBillingJob(CommunityBook communities, CommunityWriter writer, FeeBook fees, TimeProvider clock,
    ILogger<MonthlyBillingJob> log)
{
    /// <summary>The recurring job id, as the dashboard and <c>job_runs</c> name it.</summary>
    public const string Id = "monthly-billing";

    // No schedule yet is normal for a new community.
    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Id, async community =>
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
