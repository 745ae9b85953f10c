using Npgsql;
using NpgsqlTypes;

namespace Ledger.Domain.Store;

/// <summary>What <c>ledger_post_entry</c> and <c>ledger_post_payment</c> answer for one posting.</summary>
internal sealed record PostReply(string Outcome, long HeadSeq, string HeadChainHash, int? StatusCode, string? ResponseBody);

/// <summary>One call of a posting function: its text with positional parameters ($1, $2, …), and its arguments with their types.</summary>
internal sealed record PostingCall(long Community, string Sql, IReadOnlyList<(object? Value, NpgsqlDbType Type)> Arguments);

/// <summary>
/// PostgreSQL group commit (a <see cref="Combiner{TCall,TReply}"/>): the one-call postings of
/// <see cref="CommunityWriter.PostAsync"/> that arrive while others are being written go to the database together, one
/// round trip and one commit for all of them. Each call is the same function call it would be alone, with the same
/// outcome: the functions answer 'moved', 'replayed', 'key_reused', 'month_closed' and 'stale' as rows, without an
/// error, so one posting's outcome never touches another's. A posting is answered only after the commit (durability as
/// before). A batch refused with an error of the database (the commit-time check of migration 0010, a key written by
/// another instance in between) wrote nothing, and its calls run again one by one, so the error reaches its own posting
/// only; an error that may have come after the commit (the connection lost, a server shutting down) is every call's.
///
/// Within this process a community has at most one posting in flight (<see cref="LedgerDatabase.EnterWriterAsync"/>), so
/// a batch's postings are of different communities; they run in the order of their community ids, so two instances'
/// batches take the head locks in one order.
///
/// Why: a posting alone cost the database 1.96-2.09 ms of CPU at 32 x 32, most of it the transaction around the function
/// (commit, the commit-time check's start, the round trip); 8 postings of 8 communities in one transaction cost 1.06-1.14 ms
/// each (pgbench on the bench's cluster, bench/README.md, 2026-12-01).
/// </summary>
internal sealed class PostingCombiner(LedgerDatabase db) : Combiner<PostingCall, PostReply>
{
    protected override int Compare(PostingCall a, PostingCall b) => a.Community.CompareTo(b.Community);

    protected override Task<PostReply[]> ExecuteAsync(IReadOnlyList<PostingCall> calls) =>
        // Read to the end (RunBatchAsync does): an error of the commit itself (the commit-time check) comes after the last row.
        RunBatchAsync(db, calls, c => (c.Sql, c.Arguments), async (_, reader) =>
        {
            if (!await reader.ReadAsync()) throw new InvalidOperationException("A posting function answered no row.");
            return new PostReply(reader.GetString(0), reader.GetInt64(1), reader.GetString(2),
                await reader.IsDBNullAsync(3) ? null : reader.GetInt32(3), await reader.IsDBNullAsync(4) ? null : reader.GetString(4));
        });

    /// <summary>"$1, $2, …, $n".</summary>
    public static string Placeholders(int n) => string.Join(", ", Enumerable.Range(1, n).Select(i => $"${i}"));
}
