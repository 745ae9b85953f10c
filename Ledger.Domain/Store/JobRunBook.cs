using Dapper;

namespace Ledger.Domain.Store;

/// <param name="HangfireJob">The Hangfire job the run belongs to (its retries share it): <c>/jobs/jobs/details/{id}</c>.</param>
public sealed record JobRun(long Id, string Job, string Instance, string StartedAt, string? FinishedAt, string Outcome, string? Error, string? HangfireJob);

/// <summary>The record of job runs, newest first, written by the jobs' run recorder (a Hangfire server filter).</summary>
public sealed class JobRunBook(LedgerDatabase db)
{
    /// <summary>The newest runs first; <paramref name="before"/> (a run's id) continues a previous page.</summary>
    public Task<IReadOnlyList<JobRun>> RecentAsync(int take, string? job, long? before = null) => db.ReadAsync<IReadOnlyList<JobRun>>(async read =>
        (await read.QueryAsync<(long Id, string Job, string Instance, string StartedAt, string? FinishedAt, string Outcome, string? Error, string? HangfireJob)>($"""
            SELECT id, job, instance, started_at, finished_at, outcome, error, hangfire_job FROM job_runs
            WHERE 1 = 1 {(job is null ? "" : "AND job = @job")} {(before is null ? "" : "AND id < @before")} ORDER BY id DESC LIMIT {take}
            """, new { job, before })).Select(r => new JobRun(r.Id, r.Job, r.Instance, r.StartedAt, r.FinishedAt, r.Outcome, r.Error, r.HangfireJob)).ToList());

    // Synchronous: Hangfire's server filters are, and they run on its own worker threads.

    /// <returns>The run's id, for <see cref="Finish"/>.</returns>
    public long Start(string job, string instance, string startedAt, string hangfireJob)
    {
        using var connection = db.DataSource.OpenConnection();
        return connection.QuerySingle<long>("""
            INSERT INTO job_runs (job, instance, started_at, outcome, hangfire_job)
            VALUES (@job, @instance, @startedAt, 'running', @hangfireJob) RETURNING id
            """, new { job, instance, startedAt, hangfireJob });
    }

    public void Finish(long id, string finishedAt, bool ok, string? error)
    {
        using var connection = db.DataSource.OpenConnection();
        connection.Execute("UPDATE job_runs SET finished_at = @finishedAt, outcome = @Outcome, error = @error WHERE id = @id",
            new { id, finishedAt, Outcome = ok ? "ok" : "failed", error });
    }
}
