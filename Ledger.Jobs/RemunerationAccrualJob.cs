using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>
/// After each month ends, accrues the trustee's remuneration for it (Dr 6201 / Cr 2211). Idempotent
/// by (community, month): the accrual row is the key, so daily runs, reruns and a second node change nothing.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RemunerationAccrualJob(Communities communities, CommunityWriter writer, Spending spending, TimeProvider clock,
    ILogger<RemunerationAccrualJob> log) : IJob
{
    public static readonly JobKey Key = new("remuneration-accrual", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    public async Task RunAsync(CancellationToken ct = default)
    {
        foreach (var community in await communities.AllAsync())
        {
            var month = Month.Of(Dates.Today(clock, community.Zone)).Previous;
            if (month < community.BooksStartMonth) continue;
            var outcome = await writer.RunAsync(community, null, null, async scope =>
            {
                var result = await spending.AccrueRemunerationAsync(scope, month);
                if (!result.Ok) return result.Failure!;
                if (result.Value.Created)
                    log.LogInformation("Accrued remuneration of {Community} for {Month}: {Amount} fen", community.Slug, month, result.Value.Amount);
                return new StoredResponse(200, "{}");
            }, ct);
            if (outcome is WriteOutcome.Failed { Failure.Code: not (Codes.TrustTermsRequired or Codes.MonthClosed) } failed)
                log.LogWarning("Remuneration of {Community} for {Month} refused: {Code} {Detail}", community.Slug, month, failed.Failure.Code, failed.Failure.Detail);
        }
    }
}
