using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Domain.Store;

/// <summary>One read of <see cref="ReadCombiner"/>: a statement with positional arguments, and how its result is read.</summary>
internal sealed record ReadCall(string Sql, IReadOnlyList<(object? Value, NpgsqlDbType Type)> Arguments, Func<DbDataReader, Task<object>> Read);

/// <summary>
/// PostgreSQL: the sign-in reads of requests arriving together share one round trip (a <see cref="Combiner{TCall,TReply}"/>:
/// an <see cref="NpgsqlBatch"/> of their statements, one implicit read-only transaction, each statement with its own
/// snapshot under READ COMMITTED, so a session revoked before the batch is refused as before). Every request of the API
/// reads its token's user and roles first, each in a round trip and a transaction of its own; at 32 clients on 32
/// communities, sharing them raised postings by 5-12% against pgbench in the same runs (bench/README.md, 2026-12-01).
/// </summary>
internal sealed class ReadCombiner(LedgerDatabase db) : Combiner<ReadCall, object>
{
    /// <summary>The rows of one statement, read with <paramref name="read"/>, in the next batch.</summary>
    public async Task<T> ReadAsync<T>(string sql, IReadOnlyList<(object? Value, NpgsqlDbType Type)> arguments, Func<DbDataReader, Task<T>> read)
        where T : class => (T)await CallAsync(new ReadCall(sql, arguments, async r => await read(r)));

    protected override Task<object[]> ExecuteAsync(IReadOnlyList<ReadCall> calls) =>
        RunBatchAsync(db, calls, c => (c.Sql, c.Arguments), (c, reader) => c.Read(reader));
}
