using Hangfire;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>
/// Nightly: re-checks guarantees 3 and 7 for every community (chain, sequence, balances). Read-only,
/// so a rerun or a second node changes nothing; a broken community fails the run, which is logged,
/// recorded in job_runs and retried.
/// </summary>
[DisableConcurrentExecution(JobSchedule.LockTimeoutSeconds)]
[AutomaticRetry(Attempts = JobSchedule.RetryAttempts, DelaysInSeconds = [60, 120, 240, 480, 960])]
public sealed class IntegrityCheckJob(CommunityBook communities, Integrity integrity, ILogger<IntegrityCheckJob> log)
{
    /// <summary>The recurring job id, as the dashboard and <c>job_runs</c> name it.</summary>
    public const string Id = "integrity-check";

    public Task RunAsync(CancellationToken ct = default) => EachCommunity.RunAsync(communities, log, Id, async community =>
    {
        var report = await integrity.CheckAsync(community, ct);
        if (report.Ok) return null;
        return new Failure("integrity_failed", string.Join("; ", report.Problems.Select(p => $"{p.Code}: {p.Detail}")));
    }, ct);
}
