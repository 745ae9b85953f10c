using Hangfire;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>
/// Hourly, per community with trust terms: from the terms' close day on, closes every past month
/// still open (in order, each in its own transaction) and builds its draft statement, and the
/// quarter's and year's it ends; then publishes every draft whose sign-off window has passed.
/// Idempotent by (community, period): a closed month and a published statement are left as they
/// are, so a rerun, a run killed midway or a second node changes nothing.
/// </summary>
[DisableConcurrentExecution(JobSchedule.LockTimeoutSeconds)]
[AutomaticRetry(Attempts = JobSchedule.RetryAttempts, DelaysInSeconds = [60, 120, 240, 480, 960])]
public sealed class MonthCloseJob(CommunityBook communities, CommunityWriter writer, StatementBook statements, RegisterBook register,
    TimeProvider clock, ILogger<MonthCloseJob> log)
{
    /// <summary>The recurring job id, as the dashboard and <c>job_runs</c> name it.</summary>
    public const string Id = "month-close";

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Id, async community =>
    {
        var terms = await register.TrustTermsAsync(community.Id);
        if (terms is null) return null; // a community without trust terms is closed by hand
        var today = Dates.Today(clock, community.Zone);
        var lastToClose = Month.Of(today).Previous;
        if (today.Day < terms.Value.Terms.Disclosure.CloseDay) lastToClose = lastToClose.Previous;
        for (var month = await communities.FirstOpenMonthAsync(community); month <= lastToClose; month = month.Next)
        {
            var m = month;
            var closed = await writer.DoAsync(community, null, async scope => (await statements.CloseAndBuildAsync(scope, m)).Failure, ct);
            if (closed.FailureOf() is { } failure) return failure;
        }
        return (await writer.DoAsync(community, null, async scope =>
        {
            var published = await statements.PublishDueAsync(scope);
            if (published > 0) log.LogInformation("Published {Count} statement(s) of {Community}", published, community.Slug);
            return null;
        }, ct)).FailureOf();
    }, ct);
}
