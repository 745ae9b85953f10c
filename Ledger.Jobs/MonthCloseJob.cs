using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>
/// Hourly, per community with trust terms: from the terms' close day on, closes every past month
/// still open (in order) and builds its draft statement, and the quarter's and year's it ends; then
/// publishes every draft whose sign-off window has passed. Idempotent by (community, period): a closed
/// month and a published statement are left as they are, so a rerun or a second node changes nothing.
/// </summary>
[DisallowConcurrentExecution]
public sealed class MonthCloseJob(Communities communities, CommunityWriter writer, StatementBook statements, Register register,
    TimeProvider clock, ILogger<MonthCloseJob> log) : IJob
{
    public static readonly JobKey Key = new("month-close", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    public async Task RunAsync(CancellationToken ct = default)
    {
        List<Exception> failures = [];
        foreach (var community in await communities.AllAsync())
        {
            try { await RunAsync(community, ct); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One community's failure must not stop the others; the next hourly run retries it.
                log.LogError(e, "Month close of {Community} failed", community.Slug);
                failures.Add(e);
            }
        }
        if (failures.Count > 0) throw new AggregateException("Month close failed for some communities; the next run retries.", failures);
    }

    private async Task RunAsync(CommunityInfo community, CancellationToken ct)
    {
        var terms = await register.TrustTermsAsync(community.Id);
        if (terms is null) return; // a community without trust terms is closed by hand
        var today = Dates.Today(clock, community.Zone);
        var lastToClose = Month.Of(today).Previous;
        if (today.Day < terms.Value.Terms.Disclosure.CloseDay) lastToClose = lastToClose.Previous;
        for (var month = community.BooksStartMonth; month <= lastToClose; month = month.Next)
        {
            var m = month;
            var outcome = await writer.RunAsync(community, null, null, async scope =>
            {
                var closed = await statements.CloseAndBuildAsync(scope, m);
                return closed.Ok ? new StoredResponse(200, "{}") : closed.Failure!;
            }, ct);
            if (outcome is WriteOutcome.Failed f) throw new InvalidOperationException($"Closing {m}: {f.Failure.Code} {f.Failure.Detail}");
        }
        await writer.RunAsync(community, null, null, async scope =>
        {
            var published = await statements.PublishDueAsync(scope);
            if (published > 0) log.LogInformation("Published {Count} statement(s) of {Community}", published, community.Slug);
            return new StoredResponse(200, "{}");
        }, ct);
    }
}
