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
public sealed class RemunerationAccrualJob(CommunityBook communities, CommunityWriter writer, SpendingBook spending, TimeProvider clock,
    ILogger<RemunerationAccrualJob> log) : IJob
{
    public static readonly JobKey Key = new("remuneration-accrual", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    // Without trust terms there is no remuneration; a month already closed by hand is left as it is.
    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Key.Name, async community =>
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
