using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Ledger.Bench;

static class Stats
{
    public static double Median(IReadOnlyCollection<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    public static string Runs(IEnumerable<double> xs, string format = "F0") => string.Join(", ", xs.Select(x => x.ToString(format, CultureInfo.InvariantCulture)));

    public static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F0", CultureInfo.InvariantCulture) + " MB";
}

/// <summary>Runs an external program to completion and captures its output.</summary>
static class Proc
{
    public static (int Exit, string Out, string Err) Run(string file, IEnumerable<string> args, bool check = true, string? stdin = null, int timeoutMs = 600_000)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        if (!p.WaitForExit(timeoutMs)) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{file} timed out"); }
        var result = (p.ExitCode, stdout.Result, stderr.Result);
        if (check && p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {result.Item3}{result.Item2}");
        return result;
    }

    /// <summary>Sends a signal to one process we started, by its pid, and waits for it to exit.</summary>
    public static void Stop(int pid, string signal = "TERM", int waitMs = 30_000)
    {
        if (!Alive(pid)) return;
        Run("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)], check: false);
        var sw = Stopwatch.StartNew();
        while (Alive(pid) && sw.ElapsedMilliseconds < waitMs) Thread.Sleep(50);
        if (Alive(pid)) Run("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)], check: false);
    }

    public static bool Alive(int pid)
    {
        // A zombie child still has /proc/pid; look at its state.
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try { var s = File.ReadAllText(stat); return s[(s.LastIndexOf(')') + 2)..][0] != 'Z'; } catch (IOException) { return false; }
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Peak resident set (VmHWM) and current resident set of a process, in bytes.</summary>
    public static (long Peak, long Current) Memory(int pid)
    {
        long peak = 0, current = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line);
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) current = Kb(line);
        }
        return (peak, current);
        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Clears the peak RSS counter of our own process (Linux: write 5 to clear_refs).</summary>
    public static void ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The repository root and the built service.</summary>
static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Ledger.sln"))) return d.FullName;
        throw new InvalidOperationException("Ledger.sln not found above " + AppContext.BaseDirectory);
    }

    public static string ServiceDll => Path.Combine(Root, "Ledger.Api", "bin", "Release", "net10.0", "Ledger.Api.dll");
}

/// <summary>A throwaway PostgreSQL 15 cluster on 127.0.0.1 and a free port; stopped by its postmaster pid.</summary>
sealed class PgCluster : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    public string Dir { get; }
    public int Port { get; }
    public int Pid { get; }

    private PgCluster(string dir, int port, int pid) { Dir = dir; Port = port; Pid = pid; }

    /// <summary>
    /// <c>LEDGER_BENCH_PG_CONF="name = value;name = value"</c>: more postgresql.conf lines for a diagnosis (auto_explain
    /// with its library, say), appended last so they win; printed in the cluster's line.
    /// </summary>
    private static string ExtraConf => string.Join('\n', (Environment.GetEnvironmentVariable("LEDGER_BENCH_PG_CONF") ?? "")
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public static async Task<PgCluster> StartAsync(string? extraConf = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ledger-bench-pg-{Guid.NewGuid():N}"[..28]);
        Directory.CreateDirectory(dir);
        Proc.Run("chown", ["postgres:postgres", dir]);
        Proc.Run("runuser", ["-u", "postgres", "--", $"{Bin}/initdb", "-D", dir, "--auth=trust", "-E", "UTF8", "--no-sync", "-U", "postgres"]);
        var port = Proc.FreePort();
        // fsync and synchronous_commit stay on (the defaults): acknowledged writes are durable, as in production.
        File.AppendAllText(Path.Combine(dir, "postgresql.conf"), $"""

            listen_addresses = '127.0.0.1'
            port = {port}
            unix_socket_directories = '{dir}'
            max_connections = 200
            shared_preload_libraries = 'pg_stat_statements'
            pg_stat_statements.track = all
            {extraConf ?? ""}
            {ExtraConf}

            """);
        Proc.Run("runuser", ["-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", dir, "-l", Path.Combine(dir, "server.log"), "-w", "start"]);
        var pid = int.Parse(File.ReadLines(Path.Combine(dir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        var cluster = new PgCluster(dir, port, pid);
        Console.Error.WriteLine($"[pg] cluster {dir} on 127.0.0.1:{port}, postmaster pid {pid}{(ExtraConf.Length > 0 ? ", with " + ExtraConf.Replace('\n', ';') : "")}");
        await cluster.ExecAsync("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        return cluster;
    }

    public string ConnectionString(string database, int maxPool = 100) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Maximum Pool Size={maxPool};Timeout=60;Command Timeout=600";

    public async Task ExecAsync(string database, string sql)
    {
        await using var c = new NpgsqlConnection(ConnectionString(database));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task CreateDatabaseAsync(string name)
    {
        await ExecAsync("postgres", $"CREATE DATABASE {name}");
        await ExecAsync(name, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }

    public string PgBench => $"{Bin}/pgbench";

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        // LEDGER_BENCH_KEEP_PG=1 leaves the cluster running for a look at its data (psql -h 127.0.0.1 -p PORT -U postgres ledger).
        if (Environment.GetEnvironmentVariable("LEDGER_BENCH_KEEP_PG") == "1")
        {
            Console.Error.WriteLine($"[pg] kept running: {Dir} on 127.0.0.1:{Port}, postmaster pid {Pid}");
            return ValueTask.CompletedTask;
        }
        // SIGINT is PostgreSQL's fast shutdown.
        Proc.Stop(Pid, "INT", 60_000);
        Console.Error.WriteLine($"[pg] stopped pid {Pid}");
        try { Directory.Delete(Dir, true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}

/// <summary>The service as released (dotnet Ledger.Api.dll), bound to 127.0.0.1 and a free port; stopped by its pid.</summary>
sealed class Service : IAsyncDisposable
{
    private readonly Process _process;
    public Uri Base { get; }
    public int Pid => _process.Id;
    public const string AdminPassword = "bench-admin-password-1";

    private Service(Process process, Uri baseUri) { _process = process; Base = baseUri; }

    public static async Task<Service> StartAsync(string engine, string connectionString, bool seedDemo = false, TimeSpan? readyWithin = null)
    {
        if (!File.Exists(Repo.ServiceDll)) throw new InvalidOperationException($"Build the service first: dotnet build -c Release Ledger.Api ({Repo.ServiceDll} missing)");
        var port = Proc.FreePort();
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
        foreach (var a in new[]
                 {
                     Repo.ServiceDll, "--urls", $"http://127.0.0.1:{port}", $"--Ledger:Database:Engine={engine}",
                     $"--Ledger:Database:ConnectionString={connectionString}", $"--Ledger:Bootstrap:AdminPassword={AdminPassword}",
                     "--Ledger:Jobs:Enabled=false", $"--Ledger:Demo:Seed={(seedDemo ? "true" : "false")}",
                     "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
                 })
            psi.ArgumentList.Add(a);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // LEDGER_BENCH_SERVICE_ENV="NAME=value;NAME=value" sets variables for the service only (not the bench's own
        // process), to compare a runtime setting of the service against its default in one script.
        foreach (var pair in (Environment.GetEnvironmentVariable("LEDGER_BENCH_SERVICE_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new InvalidOperationException($"LEDGER_BENCH_SERVICE_ENV: '{pair}' is not NAME=value");
            psi.Environment[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        var p = Process.Start(psi)!;
        var log = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var service = new Service(p, new Uri($"http://127.0.0.1:{port}"));
        Console.Error.WriteLine($"[service] pid {p.Id} on {service.Base} ({engine}){(Environment.GetEnvironmentVariable("LEDGER_BENCH_SERVICE_ENV") is { Length: > 0 } env ? ", with " + env : "")}");
        using var http = new HttpClient { BaseAddress = service.Base, Timeout = TimeSpan.FromSeconds(5) };
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < (readyWithin ?? TimeSpan.FromSeconds(60)))
        {
            if (p.HasExited) throw new InvalidOperationException("The service exited: " + log);
            try { if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return service; }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        await service.DisposeAsync();
        throw new TimeoutException("The service did not become ready: " + log);
    }

    public (long Peak, long Current) Memory() => Proc.Memory(Pid);

    public ValueTask DisposeAsync()
    {
        Proc.Stop(_process.Id, "TERM");
        Console.Error.WriteLine($"[service] stopped pid {_process.Id}");
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A small JSON client for the service's API.</summary>
sealed class Api(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public async Task<string> LoginAsync(string login, string password)
    {
        var r = await Http.PostAsJsonAsync("/api/v1/auth/login", new { login, password });
        r.EnsureSuccessStatusCode();
        return (await r.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, string token, object? body = null, string? contentType = null, params HttpStatusCode[] ok)
    {
        using var req = new HttpRequestMessage(method, path);
        req.Headers.Authorization = Bearer(token);
        if (body is string s) req.Content = new StringContent(s, Encoding.UTF8, contentType ?? "application/json");
        else if (body is not null) req.Content = JsonContent.Create(body);
        using var r = await Http.SendAsync(req);
        var text = await r.Content.ReadAsStringAsync();
        if (!r.IsSuccessStatusCode && !ok.Contains(r.StatusCode)) throw new InvalidOperationException($"{method} {path}: {(int)r.StatusCode} {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }
}

/// <summary>A clock the generator moves forward month by month.</summary>
sealed class MovableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}

static class Json
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
