using System.Collections.Concurrent;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>
/// The shell every periodic job shares: do the work for each community, <see cref="CommunityBook.CommunitiesAtOnce"/>
/// at a time (communities' writes are independent; each community's own writes still queue on its head);
/// one community's failure never stops the others, and the run ends failed (so Hangfire records and retries
/// it) when any community failed. The work itself is idempotent, so a retry redoes nothing that is done.
/// </summary>
public static class EachCommunity
{
    /// <param name="expected">Failure codes that are a normal "nothing to do yet" (no schedule, no trust terms).</param>
    public static async Task RunAsync(CommunityBook communities, ILogger log, string job, Func<CommunityInfo, Task<Failure?>> work,
        CancellationToken ct, params string[] expected)
    {
        ConcurrentBag<(string Slug, string Failure)> failures = [];
        await Parallel.ForEachAsync(await communities.AllAsync(),
            new ParallelOptions { MaxDegreeOfParallelism = communities.CommunitiesAtOnce, CancellationToken = ct },
            async (community, _) =>
            {
                try
                {
                    if (await work(community) is { } failure && !expected.Contains(failure.Code))
                    {
                        log.LogWarning("{Job} for {Community} refused: {Code} {Detail}", job, community.Slug, failure.Code, failure.Detail);
                        failures.Add((community.Slug, failure.Code));
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogError(e, "{Job} for {Community} failed", job, community.Slug);
                    failures.Add((community.Slug, e.Message));
                }
            });
        if (!failures.IsEmpty)
            throw new InvalidOperationException($"{job} failed for {failures.Count} community(ies): " +
                string.Join("; ", failures.OrderBy(f => f.Slug, StringComparer.Ordinal).Select(f => $"{f.Slug}: {f.Failure}")));
    }

    /// <summary>The failure of a write, or null when it was done.</summary>
    public static Failure? FailureOf(this WriteOutcome outcome) => outcome is WriteOutcome.Failed f ? f.Failure : null;
}
