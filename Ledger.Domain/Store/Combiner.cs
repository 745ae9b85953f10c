using System.Collections.Concurrent;
using Npgsql;

namespace Ledger.Domain.Store;

/// <summary>
/// PostgreSQL: calls that arrive while others are at the database go to it together, one round trip and one
/// implicit transaction for all of them (an <see cref="NpgsqlBatch"/>), each answered with its own reply. Nothing waits
/// to be combined: with nothing queued and a slot free a call goes straight away, on its caller's own flow. At most
/// <see cref="MaxWriters"/> batches are in flight; calls arriving meanwhile queue and leave together with the next batch
/// (at most <see cref="MaxBatch"/>). A batch the database refuses with an ERROR did nothing (the implicit transaction
/// rolled back), and its calls run again one by one, so the error reaches its own call only; any other failure (the
/// connection lost, a server shutting down) is every call's. <see cref="PostingCombiner"/> (the postings' group commit)
/// and <see cref="ReadCombiner"/> (sign-in reads) say what a call is and how a batch runs.
/// </summary>
internal abstract class Combiner<TCall, TReply>
{
    public const int MaxBatch = 32;
    public int MaxWriters { get; } = Math.Max(2, Environment.ProcessorCount);

    private sealed record Pending(TCall Call, TaskCompletionSource<TReply> Reply);

    private readonly ConcurrentQueue<Pending> _queue = new();
    private int _writers;
    private long _batches;
    private long _calls;
    private int _largest;
    private long _split;

    /// <summary>Batches run and calls in them since start, the largest batch, and batches refused and run again one by one
    /// (read by the tests).</summary>
    public (long Batches, long Calls, int Largest, long Split) Written =>
        (Interlocked.Read(ref _batches), Interlocked.Read(ref _calls), Volatile.Read(ref _largest), Interlocked.Read(ref _split));

    /// <summary>Runs the batch's calls in the order given, in one round trip, and answers each; throws when the database refuses it.</summary>
    protected abstract Task<TReply[]> ExecuteAsync(IReadOnlyList<TCall> calls);

    /// <summary>The order a batch's calls run in (as they came, unless a subclass needs one).</summary>
    protected virtual int Compare(TCall a, TCall b) => 0;

    public async Task<TReply> CallAsync(TCall call)
    {
        var pending = new Pending(call, new TaskCompletionSource<TReply>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_queue.IsEmpty && TryEnter())
        {
            // Nothing waiting and a slot free: this call goes alone, on the caller's own flow (no hand-over to another
            // thread and back), then the slot takes whatever queued meanwhile.
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

    /// <summary>One slot: takes what is queued, runs it, and again until the queue is empty.</summary>
    private async Task WriteAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (true)
        {
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var pending)) batch.Add(pending);
            if (batch.Count == 0)
            {
                Interlocked.Decrement(ref _writers);
                // A call queued after the last look found every slot busy and started none: look again.
                if (_queue.IsEmpty || !TryEnter()) return;
                continue;
            }
            await RunAsync(batch); // answers every call in the batch, and throws nothing
            batch.Clear();
        }
    }

    private async Task RunAsync(List<Pending> batch)
    {
        batch.Sort((a, b) => Compare(a.Call, b.Call));
        TReply[] replies;
        try
        {
            replies = await ExecuteAsync(batch.ConvertAll(p => p.Call));
        }
        catch (PostgresException e) when (batch.Count > 1 && e.InvariantSeverity == "ERROR")
        {
            // An ERROR ends the implicit transaction before or at its commit: nothing of the batch was done.
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

    /// <summary>
    /// Sends the calls' statements (<paramref name="command"/>: the text with positional arguments, <c>$1</c>, <c>$2</c>, …,
    /// and their types) as one <see cref="NpgsqlBatch"/>, and reads each call's result with <paramref name="read"/>, in order.
    /// Reads to the end, so an error that comes after the last row (the commit itself) is thrown here.
    /// </summary>
    protected static async Task<TReply[]> RunBatchAsync(LedgerDatabase db, IReadOnlyList<TCall> calls,
        Func<TCall, (string Sql, IReadOnlyList<(object? Value, NpgsqlTypes.NpgsqlDbType Type)> Arguments)> command,
        Func<TCall, NpgsqlDataReader, Task<TReply>> read)
    {
        await using var connection = (NpgsqlConnection)await db.OpenAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var call in calls)
        {
            var (sql, arguments) = command(call);
            var one = new NpgsqlBatchCommand(sql);
            foreach (var (value, type) in arguments) one.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
            batch.BatchCommands.Add(one);
        }
        var replies = new TReply[calls.Count];
        await using var reader = await batch.ExecuteReaderAsync();
        for (var i = 0; i < calls.Count; i++)
        {
            if (i > 0 && !await reader.NextResultAsync()) throw new InvalidOperationException("A batch answered fewer results than it has statements.");
            replies[i] = await read(calls[i], reader);
        }
        while (await reader.NextResultAsync()) { }
        return replies;
    }
}
