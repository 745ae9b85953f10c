using System.Collections.Concurrent;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>Writes every job run, its node and its outcome to <c>job_runs</c>, so a failure is visible, not only logged.</summary>
public sealed class JobRunRecorder(LedgerDatabase db, TimeProvider clock, ILogger<JobRunRecorder> log) : IJobListener
{
    private readonly ConcurrentDictionary<string, long> _runs = new();

    public string Name => "ledger-job-runs";

    public async ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        var id = await connection.QuerySingleAsync<long>("""
            INSERT INTO job_runs (job, instance, started_at, outcome) VALUES (@Job, @Instance, @At, 'running') RETURNING id
            """, new { Job = context.JobDetail.Key.Name, Instance = context.Scheduler.SchedulerInstanceId, At = Dates.Instant(clock.GetUtcNow()) });
        _runs[context.FireInstanceId] = id;
    }

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken ct = default)
    {
        if (!_runs.TryRemove(context.FireInstanceId, out var id)) return;
        if (jobException is not null)
            log.LogError(jobException, "Job {Job} failed on {Instance}; it will be retried", context.JobDetail.Key.Name, context.Scheduler.SchedulerInstanceId);
        await using var connection = await db.OpenAsync(ct);
        await connection.ExecuteAsync("UPDATE job_runs SET finished_at = @At, outcome = @Outcome, error = @Error WHERE id = @id", new
        {
            At = Dates.Instant(clock.GetUtcNow()), Outcome = jobException is null ? "ok" : "failed",
            Error = jobException?.InnerException?.Message ?? jobException?.Message, id,
        });
    }

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken ct = default) => ValueTask.CompletedTask;

    public ValueTask JobProgressChanged(IJobExecutionContext context, Quartz.Extensibility.FireInstanceProgress progress, CancellationToken ct = default) => ValueTask.CompletedTask;
}
