using System.Diagnostics;
using Npgsql;

namespace Ledger.Robustness;

/// <summary>
/// A throwaway PostgreSQL cluster as STACK.md describes: Debian's binaries, initdb as the postgres
/// user, bound to 127.0.0.1 on a free port, with the production durability defaults (fsync and
/// synchronous_commit on). Stopped and deleted on dispose.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly string _dir;
    private readonly string _pgctl;
    private readonly bool _asRoot = Environment.UserName == "root";

    public PostgresCluster()
    {
        var initdb = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "initdb")).FirstOrDefault(File.Exists)
            : null;
        if (initdb is null) throw new InvalidOperationException("No /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql.");
        _pgctl = Path.Combine(Path.GetDirectoryName(initdb)!, "pg_ctl");
        _dir = Path.Combine(Path.GetTempPath(), $"ledger-robustness-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        if (_asRoot) Run("chown", "postgres:postgres", _dir);
        var port = ServiceProcess.FreePort();
        As(initdb, "-D", $"{_dir}/data", "--auth=trust", "-E", "UTF8", "-U", "postgres");
        As(_pgctl, "-D", $"{_dir}/data", "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {_dir} -c max_connections=300", "-l", $"{_dir}/log", "-w", "start");
        AdminConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    public string AdminConnectionString { get; }

    public string CreateDatabase(string name)
    {
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            cmd.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 60 }.ToString();
    }

    public void Dispose()
    {
        try { As(_pgctl, "-D", $"{_dir}/data", "-m", "fast", "-w", "stop"); } catch (InvalidOperationException) { /* best effort */ }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
    }

    private void As(string file, params string[] args)
    {
        if (_asRoot) Run("runuser", ["-u", "postgres", "--", file, .. args]);
        else Run(file, args);
    }

    private static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}{stdout.Result}");
    }
}
