using System.Data.Common;
using Dapper;

namespace Ledger.Domain.Store;

/// <summary>
/// What a store read needs: a connection, the transaction if the read runs inside a write, and the
/// engine's dialect. <see cref="WriteScope"/> extends it, so a read method serves both a GET and a
/// write that must see its own uncommitted rows. Endpoints never hold one: store classes open it.
/// </summary>
public class ReadScope(DbConnection connection, DbTransaction? transaction, Dialect dialect)
{
    public DbConnection Connection { get; } = connection;
    public DbTransaction? Transaction { get; } = transaction;
    public Dialect Dialect { get; } = dialect;

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, object? param = null) => Connection.QueryAsync<T>(sql, param, Transaction);
    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param = null) => Connection.QuerySingleOrDefaultAsync<T>(sql, param, Transaction);
    public Task<T> QuerySingleAsync<T>(string sql, object? param = null) => Connection.QuerySingleAsync<T>(sql, param, Transaction);
    public Task<T?> QueryOptionalAsync<T>(string sql, object? param = null) where T : struct => Connection.QueryOptionalAsync<T>(sql, param, Transaction);
}

public static class Reads
{
    /// <summary>Runs a read on a connection of its own, outside any transaction: it takes no writer's lock.</summary>
    public static async Task<T> ReadAsync<T>(this LedgerDatabase db, Func<ReadScope, Task<T>> read, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return await read(new ReadScope(connection, null, db.Dialect));
    }
}
