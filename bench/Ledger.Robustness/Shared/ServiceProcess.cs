using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ledger.Robustness;

/// <summary>
/// The real service as a separate process (<c>dotnet Ledger.Api.dll --urls …</c>) on one database,
/// which the crash check kills with SIGKILL and starts again.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    public const string AdminLogin = "admin";

    private readonly string _apiDll;
    private readonly List<string> _settings;
    private readonly Queue<string> _output = new();
    private Process? _process;

    public ServiceProcess(string engine, string connectionString, string adminPassword, string? apiDll = null)
    {
        _apiDll = apiDll ?? LocateApiDll();
        AdminPassword = adminPassword;
        Port = FreePort();
        Engine = engine;
        _settings =
        [
            "--urls", BaseUrl,
            $"--Ledger:Database:Engine={engine}",
            $"--Ledger:Database:ConnectionString={connectionString}",
            $"--Ledger:Bootstrap:AdminLogin={AdminLogin}",
            $"--Ledger:Bootstrap:AdminPassword={adminPassword}",
            "--Ledger:Jobs:Enabled=false",
            "--Ledger:Demo:Seed=false",
            "--Ledger:Auth:LoginPerAddressPerMinute=1000000",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            "--Logging:LogLevel:Microsoft.Extensions.Hosting=Debug",
        ];
    }

    public string Engine { get; }
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public string AdminPassword { get; }
    public int Starts { get; private set; }
    public bool Running => _process is { HasExited: false };

    public Service Service() => new(() => new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) }, AdminLogin, AdminPassword);

    /// <summary>The last lines the service printed (for a failure message).</summary>
    public string RecentOutput { get { lock (_output) return string.Join("\n", _output); } }

    /// <summary>Start attempts in which the process exited before it was ready, with the reason it printed.</summary>
    public List<string> FailedStarts { get; } = [];

    /// <summary>
    /// Starts the service and waits until /health/ready answers 200; returns how long that took. A start
    /// in which the process exits before it is ready is recorded in <see cref="FailedStarts"/> and tried
    /// again (twice at most): the checks report it rather than stop on it.
    /// </summary>
    public async Task<TimeSpan> StartAsync(TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnceAsync(timeout);
                return watch.Elapsed;
            }
            catch (ServiceExitedException e) when (attempt < 3)
            {
                FailedStarts.Add(e.Message);
                Kill();
            }
        }
    }

    private sealed class ServiceExitedException(string message) : Exception(message);

    private async Task StartOnceAsync(TimeSpan? timeout)
    {
        if (Running) throw new InvalidOperationException("Already running.");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_apiDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(_apiDll);
        foreach (var s in _settings) info.ArgumentList.Add(s);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES");
        info.Environment.Remove("DOTNET_STARTUP_HOOKS");
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet.");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Starts++;

        using var probe = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // drains the output
                var reason = RecentOutput.Split('\n').Where(l => l.Contains("Exception", StringComparison.Ordinal) || l.Contains("fail", StringComparison.Ordinal)).Take(3);
                throw new ServiceExitedException($"exit {process.ExitCode} before ready (start {Starts}): {string.Join(" | ", reason)}");
            }
            try
            {
                using var ready = await probe.GetAsync("/health/ready");
                if (ready.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) { /* slow start */ }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The service did not become ready:\n{RecentOutput}");
    }

    /// <summary>kill -9: no shutdown, no flushing, no goodbye.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { /* already gone */ }
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 60) _output.Dequeue();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Ledger.Api/bin/{the caller's configuration}/{tfm}/Ledger.Api.dll, found from the running assembly's folder.</summary>
    public static string LocateApiDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent?.Name ?? "Debug";
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) continue;
            var dll = Path.Combine(dir.FullName, "Ledger.Api", "bin", configuration, tfm, "Ledger.Api.dll");
            if (File.Exists(dll)) return dll;
            throw new FileNotFoundException($"Build Ledger.Api first ({configuration}): {dll} is missing.");
        }
        throw new DirectoryNotFoundException($"No Ledger.sln above {here.FullName}.");
    }
}
