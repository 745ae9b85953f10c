namespace Ledger.Domain.Store;

public sealed record JobRun(long Id, string Job, string Instance, string StartedAt, string? FinishedAt, string Outcome, string? Error);

/// <summary>The record of job runs, newest first (written by the jobs' run recorder).</summary>
public sealed class JobRunBook(LedgerDatabase db)
{
    public Task<IReadOnlyList<JobRun>> RecentAsync(int take, string? job) => db.ReadAsync<IReadOnlyList<JobRun>>(async read =>
        (await read.QueryAsync<(long Id, string Job, string Instance, string StartedAt, string? FinishedAt, string Outcome, string? Error)>($"""
            SELECT id, job, instance, started_at, finished_at, outcome, error FROM job_runs {(job is null ? "" : "WHERE job = @job")} ORDER BY id DESC LIMIT {take}
            """, new { job })).Select(r => new JobRun(r.Id, r.Job, r.Instance, r.StartedAt, r.FinishedAt, r.Outcome, r.Error)).ToList());
}
