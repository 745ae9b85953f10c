using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Ledger.Jobs;

/// <summary>
/// Nightly: re-checks guarantees 3 and 7 for every community (chain, sequence, balances). Read-only,
/// so a rerun or a second node changes nothing; a broken community fails the run, which is logged,
/// recorded in job_runs and retried.
/// </summary>
[DisallowConcurrentExecution]
public sealed class IntegrityCheckJob(CommunityBook communities, Integrity integrity, ILogger<IntegrityCheckJob> log) : IJob
{
    public static readonly JobKey Key = new("integrity-check", "ledger");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => new(RunAsync(ct));

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Key.Name, async community =>
    {
        var report = await integrity.CheckAsync(community, ct);
        if (report.Ok) return null;
        return new Failure("integrity_failed", string.Join("; ", report.Problems.Select(p => $"{p.Code}: {p.Detail}")));
    }, ct);
}
