using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Ledger.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL for the test run: the server named by LEDGER_TEST_POSTGRES (an admin connection
/// string), or a throwaway cluster started here from Debian's binaries (initdb as the postgres user,
/// bound to 127.0.0.1 on a free port, stopped when the test process exits). Where neither exists the
/// PostgreSQL tests skip, except when CI is set: then they fail, so a misconfigured CI cannot hide
/// regressions (npgsql's IgnoreExceptOnBuildServer).
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<(string? AdminConnectionString, string? Reason)> Server = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Creates a fresh database and returns its connection string; skips the test if no server can be had.</summary>
    public static string CreateDatabase()
    {
        var (admin, reason) = Server.Value;
        if (admin is null)
        {
            if (InCi) throw new InvalidOperationException($"PostgreSQL is required when CI is set: {reason}");
            Skip.If(true, $"PostgreSQL unavailable: {reason}");
        }
        var name = $"ledger_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        using (var connection = new NpgsqlConnection(admin))
        {
            connection.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            cmd.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true, MaxPoolSize = 60 }.ToString();
    }

    private static (string?, string?) Start()
    {
        if (Environment.GetEnvironmentVariable("LEDGER_TEST_POSTGRES") is { Length: > 0 } given) return (given, null);
        var initdb = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "initdb")).FirstOrDefault(File.Exists)
            : null;
        if (initdb is null) return (null, "no LEDGER_TEST_POSTGRES and no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)");
        var bin = Path.GetDirectoryName(initdb)!;
        var dir = Path.Combine(Path.GetTempPath(), $"ledger-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var asRoot = Environment.UserName == "root";
        if (asRoot) Run("chown", $"postgres:postgres {dir}");
        var port = FreePort();
        Run(asRoot ? "runuser" : initdb, (asRoot ? $"-u postgres -- {initdb} " : "") + $"-D {dir}/data --auth=trust -E UTF8 -U postgres");
        // The test cluster trades durability for speed; production keeps fsync and synchronous_commit on.
        var options = $"-c listen_addresses=127.0.0.1 -p {port} -k {dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        var pgctl = Path.Combine(bin, "pg_ctl");
        Run(asRoot ? "runuser" : pgctl, (asRoot ? $"-u postgres -- {pgctl} " : "") + $"-D {dir}/data -o \"{options}\" -l {dir}/log -w start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Run(asRoot ? "runuser" : pgctl, (asRoot ? $"-u postgres -- {pgctl} " : "") + $"-D {dir}/data -m immediate -w stop"); }
            catch { /* best effort at exit */ }
            try { Directory.Delete(dir, recursive: true); } catch { /* best effort at exit */ }
        };
        return ($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", null);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}): {stderr}{stdout.Result}");
    }
}
