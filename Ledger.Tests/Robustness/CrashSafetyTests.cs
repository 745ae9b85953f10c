using Ledger.Domain.Store;
using Ledger.Robustness;
using Ledger.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ledger.Tests.Robustness;

/// <summary>
/// The real service as a separate process, killed with SIGKILL under mixed write load and started
/// again: every acknowledged write survives exactly once. The long run (20 kills) is
/// <c>dotnet run -c Release --project bench/Ledger.Robustness -- crash</c>.
/// </summary>
public abstract class CrashSafetyTests(Engine engine, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Acknowledged_writes_survive_three_kills_exactly_once_and_the_books_stay_intact()
    {
        var sqliteFile = Path.Combine(Path.GetTempPath(), $"ledger-crash-{Guid.NewGuid():N}.db");
        var connectionString = engine == Engine.Sqlite ? $"Data Source={sqliteFile}" : PostgresServer.CreateDatabase();
        using var process = new ServiceProcess(engine == Engine.Sqlite ? "sqlite" : "postgres", connectionString, "crash test admin password");
        try
        {
            var report = await CrashCheck.RunAsync(process, new CrashCheck.Options(Kills: 3, Workers: 4, MinUpMs: 300, MaxUpMs: 900, TailMs: 300), output.WriteLine);
            output.WriteLine(report.ToString());
            Assert.True(report.Ok, report + "\nservice output:\n" + process.RecentOutput);
        }
        finally
        {
            process.Kill();
            foreach (var f in new[] { sqliteFile, sqliteFile + "-wal", sqliteFile + "-shm" })
                try { File.Delete(f); } catch (IOException) { /* best effort */ }
        }
    }
}

public sealed class SqliteCrashSafetyTests(ITestOutputHelper output) : CrashSafetyTests(Engine.Sqlite, output);

public sealed class PostgresCrashSafetyTests(ITestOutputHelper output) : CrashSafetyTests(Engine.Postgres, output);
