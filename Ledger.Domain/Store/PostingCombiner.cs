using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Domain.Store;

/// <summary>What <c>ledger_post_entry</c> and <c>ledger_post_payment</c> answer for one posting.</summary>
internal sealed record PostReply(string Outcome, long HeadSeq, string HeadChainHash, int? StatusCode, string? ResponseBody);

/// <summary>One call of a posting function: its text with positional parameters ($1, $2, …), and its arguments with their types.</summary>
internal sealed record PostingCall(long Community, string Sql, IReadOnlyList<(object? Value, NpgsqlDbType Type)> Arguments);

/// <summary>
/// PostgreSQL group commit: the one-call postings of <see cref="CommunityWriter.PostAsync"/> that arrive while others are
/// being written go to the database together, one round trip and one commit for all of them (an <see cref="NpgsqlBatch"/>:
/// one implicit transaction, any error rolls all of it back). Each call is the same function call it would be alone, with
/// the same outcome: the functions answer 'moved', 'replayed', 'key_reused', 'month_closed' and 'stale' as rows, without an
/// error, so one posting's outcome never touches another's. A posting is answered only after the commit (durability as
/// before). A batch refused with an error of the database (the commit-time check of migration 0010, a key written by
/// another instance in between) wrote nothing, and its calls run again one by one, so the error reaches its own posting
/// only; an error that may have come after the commit (the connection lost, a server shutting down) is every call's.
///
/// Nothing waits to be combined: with nothing queued and a writer free a posting goes straight away, on its caller's own
/// flow. At most <see cref="MaxWriters"/> batches are in flight; postings arriving meanwhile queue and leave
/// together with the next batch (at most <see cref="MaxBatch"/>). Within this process a community has at most one posting in
/// flight (<see cref="LedgerDatabase.EnterWriterAsync"/>), so a batch's postings are of different communities; they run in
/// the order of their community ids, so two instances' batches take the head locks in one order.
///
/// Why: a posting alone cost the database 1.96-2.09 ms of CPU at 32 x 32, most of it the transaction around the function
/// (commit, the commit-time check's start, the round trip); 8 postings of 8 communities in one transaction cost 1.06-1.14 ms
/// each (pgbench on the bench's cluster, bench/README.md, 2026-12-01).
/// </summary>
internal sealed class PostingCombiner(LedgerDatabase db)
{
    public const int MaxBatch = 32;
    public int MaxWriters { get; } = Math.Max(2, Environment.ProcessorCount);

    private sealed record Pending(PostingCall Call, TaskCompletionSource<PostReply> Reply);

    private readonly ConcurrentQueue<Pending> _queue = new();
    private int _writers;
    private long _batches;
    private long _calls;
    private int _largest;
    private long _split;

    /// <summary>Batches written and calls in them since start, the largest batch, and batches refused and run again one by one
    /// (read by the tests).</summary>
    public (long Batches, long Calls, int Largest, long Split) Written =>
        (Interlocked.Read(ref _batches), Interlocked.Read(ref _calls), Volatile.Read(ref _largest), Interlocked.Read(ref _split));

    public async Task<PostReply> CallAsync(PostingCall call)
    {
        var pending = new Pending(call, new TaskCompletionSource<PostReply>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_queue.IsEmpty && TryEnter())
        {
            // Nothing waiting and a writer free: this call goes alone, on the caller's own flow (no hand-over to another
            // thread and back), then the writer takes whatever queued meanwhile.
            await RunAsync([pending]);
            _ = WriteAsync();
            return await pending.Reply.Task;
        }
        _queue.Enqueue(pending);
        if (TryEnter()) _ = WriteAsync();
        return await pending.Reply.Task;
    }

    private bool TryEnter()
    {
        while (true)
        {
            var writers = Volatile.Read(ref _writers);
            if (writers >= MaxWriters) return false;
            if (Interlocked.CompareExchange(ref _writers, writers + 1, writers) == writers) return true;
        }
    }

    /// <summary>One writer: takes what is queued, writes it, and again until the queue is empty.</summary>
    private async Task WriteAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (true)
        {
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var pending)) batch.Add(pending);
            if (batch.Count == 0)
            {
                Interlocked.Decrement(ref _writers);
                // A call queued after the last look found every writer busy and started none: look again.
                if (_queue.IsEmpty || !TryEnter()) return;
                continue;
            }
            await RunAsync(batch); // answers every call in the batch, and throws nothing
            batch.Clear();
        }
    }

    private async Task RunAsync(List<Pending> batch)
    {
        batch.Sort((a, b) => a.Call.Community.CompareTo(b.Call.Community));
        PostReply[] replies;
        try
        {
            replies = await ExecuteAsync(batch);
        }
        catch (PostgresException e) when (batch.Count > 1 && e.InvariantSeverity == "ERROR")
        {
            // An ERROR ends the implicit transaction before or at its commit: nothing of the batch was written.
            Interlocked.Increment(ref _split);
            foreach (var pending in batch) await RunAsync([pending]);
            return;
        }
        catch (Exception e)
        {
            foreach (var pending in batch) pending.Reply.TrySetException(e);
            return;
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _calls, batch.Count);
        for (var largest = Volatile.Read(ref _largest); batch.Count > largest; largest = Volatile.Read(ref _largest))
            Interlocked.CompareExchange(ref _largest, batch.Count, largest);
        for (var i = 0; i < batch.Count; i++) batch[i].Reply.TrySetResult(replies[i]);
    }

    private async Task<PostReply[]> ExecuteAsync(List<Pending> batch)
    {
        await using var connection = (NpgsqlConnection)await db.OpenAsync();
        await using var command = new NpgsqlBatch(connection);
        foreach (var pending in batch)
        {
            var one = new NpgsqlBatchCommand(pending.Call.Sql);
            foreach (var (value, type) in pending.Call.Arguments) one.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
            command.BatchCommands.Add(one);
        }
        var replies = new PostReply[batch.Count];
        await using (var reader = await command.ExecuteReaderAsync())
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if ((i > 0 && !await reader.NextResultAsync()) || !await reader.ReadAsync())
                    throw new InvalidOperationException("A posting function answered no row.");
                replies[i] = new PostReply(reader.GetString(0), reader.GetInt64(1), reader.GetString(2),
                    await reader.IsDBNullAsync(3) ? null : reader.GetInt32(3), await reader.IsDBNullAsync(4) ? null : reader.GetString(4));
            }
            // Read to the end: an error of the commit itself (the commit-time check) comes after the last row.
            while (await reader.NextResultAsync()) { }
        }
        return replies;
    }

    /// <summary>"$1, $2, …, $n".</summary>
    public static string Placeholders(int n) => string.Join(", ", Enumerable.Range(1, n).Select(i => $"${i}"));
}
