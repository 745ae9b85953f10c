using System.Diagnostics;
using Microsoft.AspNetCore.Mvc.Testing;

// dotnet run -c Release --project bench/Ledger.Robustness -- crash|badinput|duplicates|isolation [--engine sqlite|postgres]
//   [--kills 20] [--requests 10000] [--allow-known-defects] [--submissions 1000] [--clients 50]
// Runs the real service as a separate process on a fresh database and exits 1 on any violation.

namespace Ledger.Robustness;

// Not top-level statements: those would declare a Program that hides Ledger.Api's (WebApplicationFactory<Program>).
internal static class Bench
{
    public static async Task<int> Main(string[] args)
    {
        var check = args.FirstOrDefault() ?? "";
        string Option(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        var engine = Option("engine", "sqlite");
        if (check is not ("crash" or "badinput" or "duplicates" or "isolation") || engine is not ("sqlite" or "postgres"))
        {
            Console.Error.WriteLine("usage: Ledger.Robustness crash|badinput|duplicates|isolation [--engine sqlite|postgres] [--kills N] [--requests N] [--submissions N] [--clients N]");
            return 2;
        }

        var watch = Stopwatch.StartNew();
        PostgresCluster? cluster = null;
        var sqliteFile = Path.Combine(Path.GetTempPath(), $"ledger-robustness-{Guid.NewGuid():N}.db");
        ServiceProcess? process = null;
        try
        {
            string connectionString;
            if (engine == "postgres")
            {
                cluster = new PostgresCluster();
                connectionString = cluster.CreateDatabase("ledger_robustness");
            }
            else connectionString = $"Data Source={sqliteFile}";
            process = new ServiceProcess(engine, connectionString, "robustness-admin-" + Guid.NewGuid().ToString("N")[..8]);
            Console.WriteLine($"{check} on {engine}: service {process.BaseUrl}");

            Report report;
            if (check == "crash")
            {
                report = await CrashCheck.RunAsync(process, new CrashCheck.Options(Kills: int.Parse(Option("kills", "20")), Workers: 8), Console.WriteLine);
            }
            else
            {
                var started = await process.StartAsync();
                Console.WriteLine($"  ready in {started.TotalMilliseconds:F0} ms");
                var service = process.Service();
                report = check switch
                {
                    "badinput" => await BadInputCheck.RunAsync(service, Routes(), new BadInputCheck.Options(int.Parse(Option("requests", "10000")), Concurrency: 8,
                    KnownDefects: args.Contains("--allow-known-defects") ? BadInputCheck.FoundDefects : null), Console.WriteLine),
                    "duplicates" => await DuplicatesCheck.RunAsync(service, new DuplicatesCheck.Options(int.Parse(Option("submissions", "1000")), int.Parse(Option("clients", "50")))),
                    _ => await IsolationCheck.RunAsync(service, Routes()),
                };
                if (!process.Running) report.Violation($"the service died during the run:\n{process.RecentOutput}");
            }
            report.Figure($"engine {engine}; wall time {watch.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine(report);
            if (!report.Ok && process.RecentOutput.Length > 0) Console.WriteLine("service output (last lines):\n" + process.RecentOutput);
            return report.Ok ? 0 : 1;
        }
        finally
        {
            process?.Dispose();
            cluster?.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { sqliteFile, sqliteFile + "-wal", sqliteFile + "-shm" })
                try { File.Delete(f); } catch (IOException) { /* best effort */ }
        }
    }

    // The route table, read from the app's EndpointDataSource in-process (on a scratch SQLite file), so
    // the checks cover every route the app maps, including ones added after this was written.
    private static IReadOnlyList<RouteInfo> Routes()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ledger-routes-{Guid.NewGuid():N}.db");
        try
        {
            using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseSetting("Ledger:Database:Engine", "sqlite");
                b.UseSetting("Ledger:Database:ConnectionString", $"Data Source={file}");
                b.UseSetting("Ledger:Bootstrap:AdminPassword", Guid.NewGuid().ToString());
                b.UseSetting("Ledger:Jobs:Enabled", "false");
                b.UseSetting("Ledger:Demo:Seed", "false");
            });
            return RouteCatalog.From(app.Services);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" })
                try { File.Delete(f); } catch (IOException) { /* best effort */ }
        }
    }
}
