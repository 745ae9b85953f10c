using System.Data.Common;
using Dapper;

namespace Ledger.Domain.Store;

public static class Optional
{
    /// <summary>The single row as a value tuple, or null: Dapper maps tuples, not nullable tuples.</summary>
    public static async Task<T?> QueryOptionalAsync<T>(this DbConnection connection, string sql, object? param = null, DbTransaction? tx = null)
        where T : struct =>
        (await connection.QueryAsync<T>(sql, param, tx)).Select(r => (T?)r).SingleOrDefault();
}
