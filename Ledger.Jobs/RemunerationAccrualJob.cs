using Hangfire;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>
/// After each month ends, accrues the trustee's remuneration for it (Dr 6201 / Cr 2211). Idempotent
/// by (community, month): the accrual row is the key, so daily runs, reruns and a second node change nothing.
/// </summary>
[DisableConcurrentExecution(JobSchedule.LockTimeoutSeconds)]
[AutomaticRetry(Attempts = JobSchedule.RetryAttempts, DelaysInSeconds = [60, 120, 240, 480, 960])]
public sealed class RemunerationAccrualJob(CommunityBook communities, CommunityWriter writer, SpendingBook spending, TimeProvider clock,
    ILogger<RemunerationAccrualJob> log)
{
    /// <summary>The recurring job id, as the dashboard and <c>job_runs</c> name it.</summary>
    public const string Id = "remuneration-accrual";

    // Without trust terms there is no remuneration; a month closed by hand before this ran had its remuneration
    // accrued by the close (StatementBook.CloseAndBuildAsync), so the accrual row is found and nothing changes.
    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Id, async community =>
    {
        var month = Month.Of(Dates.Today(clock, community.Zone)).Previous;
        if (month < community.BooksStartMonth) return null;
        return (await writer.DoAsync(community, null, async scope =>
        {
            var result = await spending.AccrueRemunerationAsync(scope, month);
            if (result is { Ok: true, Value.Created: true })
                log.LogInformation("Accrued remuneration of {Community} for {Month}: {Amount} fen", community.Slug, month, result.Value.Amount);
            return result.Failure;
        }, ct)).FailureOf();
    }, ct, Codes.TrustTermsRequired, Codes.MonthClosed);
}
