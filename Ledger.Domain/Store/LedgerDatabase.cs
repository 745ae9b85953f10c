using System.Collections.Concurrent;
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
            // Statements a connection runs twice are prepared on it (parsed and planned once): the
            // service's SQL is a fixed set of texts (array parameters keep batch texts independent
            // of row counts). A connection string may still set its own values.
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
            if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase)
                && !connectionString.Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
            {
                builder.MaxAutoPrepare = 256;
                builder.AutoPrepareMinUsages = 2;
            }
            // No JIT compilation: every statement here is a short OLTP query or a bounded batch, and once a
            // grown community's estimates pass jit_above_cost a read paid 33 ms compiling itself
            // (EXPLAIN ANALYZE of a 36-month community's arrears read). A connection string may set its own Options.
            if (string.IsNullOrEmpty(builder.Options)) builder.Options = "-c jit=off";
            ConnectionString = builder.ToString();
            DataSource = NpgsqlDataSource.Create(ConnectionString);
            Combiner = new PostingCombiner(this);
            Reads = new ReadCombiner(this);
        }
    }

    /// <summary>PostgreSQL: the one-call postings' group commit (null on SQLite).</summary>
    internal PostingCombiner? Combiner { get; }

    /// <summary>PostgreSQL: the sign-in reads of requests arriving together in one round trip (null on SQLite).</summary>
    internal ReadCombiner? Reads { get; }

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
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _communityWriters = new();

    /// <summary>
    /// SQLite has one writer at a time; writers of this process queue here, in order and without
    /// sleeping, instead of polling SQLite's lock on its busy timeout (which sleeps in growing steps).
    /// Other processes still meet the busy timeout. On PostgreSQL writers of one community queue here
    /// per community (other communities go through): the head row lock serialises them anyway, and
    /// queueing in the process first keeps <see cref="Heads"/> exact, so a posting by
    /// <see cref="CommunityWriter.PostAsync"/> rarely finds the head moved. Other instances are
    /// serialised by the row lock alone.
    /// </summary>
    public async ValueTask<IDisposable?> EnterWriterAsync(long communityId, CancellationToken ct)
    {
        var gate = Engine == Engine.Sqlite ? _sqliteWriter : _communityWriters.GetOrAdd(communityId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Gate(gate);
    }

    /// <summary>
    /// How many communities a periodic job works on at once: one on SQLite (one writer at a time anyway);
    /// on PostgreSQL, where communities' writes are independent, one per core and at least two (the city close took 39 s
    /// for 200 communities at 2 and at 4 at a time on 2 cores: bench/README).
    /// </summary>
    public int CommunitiesAtOnce => Engine == Engine.Sqlite ? 1 : Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// PostgreSQL: the last chain head, chart and closed months this process saw for a community
    /// (after its own writes). A hint, never trusted: <c>ledger_post_entry</c> checks the head under
    /// the row lock and the closed month, and a posting refused with these is re-decided under the lock.
    /// </summary>
    internal ConcurrentDictionary<long, CachedHead> Heads { get; } = new();

    private sealed class Gate(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;
        public void Dispose() { if (Interlocked.Exchange(ref _released, 1) == 0) semaphore.Release(); }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}

/// <summary>What <see cref="LedgerDatabase.Heads"/> holds for one community. The chart only grows (accounts are never changed or removed).</summary>
internal sealed record CachedHead(long Seq, string ChainHash, IReadOnlyDictionary<string, Model.AccountDef> Chart, IReadOnlySet<string> ClosedMonths);
