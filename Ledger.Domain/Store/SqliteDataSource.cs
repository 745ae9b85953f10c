using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Ledger.Domain.Store;

/// <summary>
/// A <see cref="DbDataSource"/> for SQLite that sets the per-connection pragmas durability and
/// integrity depend on: WAL with synchronous=FULL (an acknowledged write survives a machine
/// crash), foreign keys on, and a busy timeout so writers queue instead of failing.
/// </summary>
public sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString { get; } = connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(ConnectionString);

    protected override DbConnection OpenDbConnection()
    {
        var connection = CreateDbConnection();
        connection.Open();
        Configure(connection);
        return connection;
    }

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = CreateDbConnection();
        await connection.OpenAsync(cancellationToken);
        Configure(connection);
        return connection;
    }

    private static void Configure(DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        cmd.ExecuteNonQuery();
    }
}
