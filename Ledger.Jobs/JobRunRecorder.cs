using Hangfire.Server;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>
/// A Hangfire server filter that writes every run (each retry too), its node and its outcome to
/// <c>job_runs</c>, so a failure is visible through the API, not only logged or on the dashboard.
/// Hangfire's filters are synchronous; they run on its own worker threads, so the short blocking
/// writes here hold no request thread.
/// </summary>
public sealed class JobRunRecorder(JobRunBook runs, TimeProvider clock, ILogger<JobRunRecorder> log) : IServerFilter
{
    private const string RunItem = "ledger.job_run";

    public void OnPerforming(PerformingContext context)
    {
        context.Items[RunItem] = runs.Start(JobName(context), context.ServerId ?? Environment.MachineName,
            Dates.Instant(clock.GetUtcNow()), context.BackgroundJob.Id);
    }

    public void OnPerformed(PerformedContext context)
    {
        if (!context.Items.TryGetValue(RunItem, out var value) || value is not long id) return;
        var failure = context.Exception;
        if (failure is not null)
            log.LogError(failure, "Job {Job} failed on {Instance}; Hangfire retries it", JobName(context), context.ServerId);
        runs.Finish(id, Dates.Instant(clock.GetUtcNow()), failure is null, failure?.InnerException?.Message ?? failure?.Message);
    }

    /// <summary>The recurring job's id (<c>month-close</c>); a job enqueued by hand is named by its class.</summary>
    private static string JobName(PerformContext context) =>
        context.GetJobParameter<string>("RecurringJobId", allowStale: true) ?? context.BackgroundJob.Job.Type.Name;
}
