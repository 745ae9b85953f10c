using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Operations;

public static class OperationsEndpoints
{
    /// <summary>The periodic jobs' recent runs on every node, failures included: platform admins only.</summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/jobs/runs", Runs).RequireAuthorization().WithTags("Operations").Produces<Page<JobRun>>();
        return app;
    }

    private static async Task<IResult> Runs(int? limit, string? after, string? job, HttpContext http, JobRunBook runs)
    {
        if (!http.User.IsPlatformAdmin()) return Problems.From(new Failure(Codes.Forbidden, "Only a platform admin reads the job runs.", 403));
        if (!Paging.TryRead(limit, after, out var take, out var before, out var problem)) return problem!;
        var items = await runs.RecentAsync(take + 1, job, after is null ? null : before);
        return TypedResults.Ok(Paging.Of(items, take, r => r.Id));
    }
}
