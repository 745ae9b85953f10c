using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>
/// Nightly: re-checks guarantees 3 and 7 for every community (chain, sequence, balances).
/// Read-only, so a rerun or a second node changes nothing; a broken community is logged as an error.
/// </summary>
[DisallowConcurrentExecution]
public sealed class IntegrityCheckJob(Communities communities, Integrity integrity, ILogger<IntegrityCheckJob> log) : IJob
{
    public static readonly JobKey Key = new("integrity-check", "ledger");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        foreach (var community in await communities.AllAsync())
        {
            var report = await integrity.CheckAsync(community, ct);
            if (report.Ok)
                log.LogInformation("Integrity of {Community}: ok at entry {Seq}", community.Slug, report.Seq);
            else
                log.LogError("Integrity of {Community} FAILED at entry {Seq}: {Problems}", community.Slug, report.Seq,
                    string.Join("; ", report.Problems.Select(p => $"{p.Code}: {p.Detail}")));
        }
    }
}
