using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.Domain.Store;

/// <summary>The engine chosen by configuration: one singleton data source and its dialect.</summary>
public sealed class LedgerDatabase : IAsyncDisposable
{
    static LedgerDatabase()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public LedgerDatabase(Engine engine, string connectionString)
    {
        Dialect = Dialect.For(engine);
        if (engine == Engine.Sqlite)
        {
            var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };
            if (builder.DataSource is { Length: > 0 } file && file != ":memory:")
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            ConnectionString = builder.ToString();
            DataSource = new SqliteDataSource(ConnectionString);
        }
        else
        {
            // No session state outlives a use of a connection (the migration lock is released
            // explicitly), so returning one to the pool needs no DISCARD ALL round trip.
            ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ToString();
            DataSource = NpgsqlDataSource.Create(ConnectionString);
        }
    }

    public DbDataSource DataSource { get; }
    public Dialect Dialect { get; }
    public Engine Engine => Dialect.Engine;
    public string ConnectionString { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default) => await DataSource.OpenConnectionAsync(ct);

    /// <summary>
    /// A write transaction: BEGIN IMMEDIATE on SQLite (the single-writer lock is taken up front, so
    /// two writers never deadlock on upgrade); READ COMMITTED on PostgreSQL, where row locks taken
    /// in a fixed order (the community row first) serialise writers of one community.
    /// </summary>
    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct = default) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);

    private readonly SemaphoreSlim _sqliteWriter = new(1, 1);

    /// <summary>
    /// SQLite has one writer at a time; writers of this process queue here, in order and without
    /// sleeping, instead of polling SQLite's lock on its busy timeout (which sleeps in growing steps).
    /// Other processes still meet the busy timeout. PostgreSQL needs no gate: row locks serialise
    /// writers of one community and let other communities through.
    /// </summary>
    public async ValueTask<IDisposable?> EnterWriterAsync(CancellationToken ct)
    {
        if (Engine != Engine.Sqlite) return null;
        await _sqliteWriter.WaitAsync(ct);
        return new Gate(_sqliteWriter);
    }

    private sealed class Gate(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;
        public void Dispose() { if (Interlocked.Exchange(ref _released, 1) == 0) semaphore.Release(); }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
