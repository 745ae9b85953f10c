using Dapper;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Operations;

public sealed record JobRun(long Id, string Job, string Instance, string StartedAt, string? FinishedAt, string Outcome, string? Error);

public static class OperationsEndpoints
{
    /// <summary>The periodic jobs' recent runs on every node, failures included: platform admins only.</summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/jobs/runs", Runs).RequireAuthorization().WithTags("Operations").Produces<Page<JobRun>>();
        return app;
    }

    private static async Task<IResult> Runs(int? limit, string? job, HttpContext http, LedgerDatabase db)
    {
        if (!http.User.IsPlatformAdmin()) return Problems.From(new Failure(Codes.Forbidden, "Only a platform admin reads the job runs.", 403));
        if (!Paging.TryRead(limit, null, out var take, out _, out var problem)) return problem!;
        await using var connection = await db.OpenAsync();
        var runs = (await connection.QueryAsync<(long Id, string Job, string Instance, string StartedAt, string? FinishedAt, string Outcome, string? Error)>($"""
            SELECT id, job, instance, started_at, finished_at, outcome, error FROM job_runs {(job is null ? "" : "WHERE job = @job")} ORDER BY id DESC LIMIT {take}
            """, new { job })).Select(r => new JobRun(r.Id, r.Job, r.Instance, r.StartedAt, r.FinishedAt, r.Outcome, r.Error)).ToList();
        return TypedResults.Ok(new Page<JobRun>(runs, null));
    }
}
