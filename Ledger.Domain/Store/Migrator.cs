using System.Data.Common;
using System.Reflection;
using System.Security.Cryptography;
using Dapper;

namespace Ledger.Domain.Store;

/// <summary>
/// Applies the embedded, numbered, forward-only migrations of db/&lt;engine&gt;/, one transaction per
/// file, and refuses to start when a file already applied has changed since.
/// </summary>
public sealed class Migrator(LedgerDatabase db)
{
    public sealed record Migration(string Version, string Sql, string Checksum);

    public IReadOnlyList<Migration> Embedded()
    {
        var prefix = $"db/{db.Dialect.MigrationFolder}/";
        var assembly = typeof(Migrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                var sql = reader.ReadToEnd();
                var checksum = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
                return new Migration(Path.GetFileNameWithoutExtension(n[prefix.Length..]), sql, checksum);
            })
            .ToList();
    }

    /// <returns>The versions applied by this call.</returns>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct = default)
    {
        var applied = new List<string>();
        await using var connection = await db.OpenAsync(ct);
        await using var migrationLock = await db.Dialect.LockMigrationsAsync(connection);
        await connection.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    TEXT PRIMARY KEY,
                checksum   TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """);
        foreach (var migration in Embedded())
        {
            await using var tx = await db.BeginWriteAsync(connection, ct);
            var existing = await connection.QuerySingleOrDefaultAsync<string>(
                "SELECT checksum FROM schema_migrations WHERE version = @Version", new { migration.Version }, tx);
            if (existing is not null)
            {
                if (existing != migration.Checksum)
                    throw new InvalidOperationException(
                        $"Migration {migration.Version} was changed after it was applied (checksum {existing} in the database, {migration.Checksum} embedded). " +
                        "Migrations are forward-only: add a new numbered file instead. Refusing to start.");
                await tx.RollbackAsync(ct);
                continue;
            }
            await connection.ExecuteAsync(migration.Sql, transaction: tx);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, checksum, applied_at) VALUES (@Version, @Checksum, @At)",
                new { migration.Version, migration.Checksum, At = Model.Dates.Instant(DateTimeOffset.UtcNow) }, tx);
            await tx.CommitAsync(ct);
            applied.Add(migration.Version);
        }
        return applied;
    }

    /// <summary>True when every embedded migration is applied unchanged (readiness).</summary>
    public async Task<bool> IsUpToDateAsync(DbConnection connection)
    {
        var rows = (await connection.QueryAsync<(string Version, string Checksum)>("SELECT version, checksum FROM schema_migrations"))
            .ToDictionary(r => r.Version, r => r.Checksum);
        return Embedded().All(m => rows.TryGetValue(m.Version, out var c) && c == m.Checksum);
    }
}
