using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Ledger.Bench;

/// <summary>
/// The public statement page and the embeddable page under wrk (64 connections), against nginx
/// (sendfile, open_file_cache) serving the very same bytes as static files, and against the Kestrel floor
/// (<see cref="KestrelFloor"/>: the least an ASP.NET Core service can do for the same bytes), in the same run.
/// The service starts on a fresh SQLite file with the demo seed (community "demo", published statements).
/// Checks: the service answers 200 with exactly the bytes nginx serves, before and after the load.
/// </summary>
static class PagesBench
{
    private const int Connections = 64;
    private const int WarmUpSeconds = 2;

    public static async Task<int> RunAsync(int seconds, int runs)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ledger-bench-pages-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            await using var service = await Service.StartAsync("sqlite", $"Data Source={Path.Combine(dir, "ledger.db")}", seedDemo: true, readyWithin: TimeSpan.FromSeconds(240));
            using var http = new HttpClient { BaseAddress = service.Base, Timeout = TimeSpan.FromSeconds(30) };
            var sw = Stopwatch.StartNew();
            string? period = null;
            while (sw.Elapsed < TimeSpan.FromSeconds(240))
            {
                var r = await http.GetAsync("/p/demo/statements.json");
                if (r.IsSuccessStatusCode)
                {
                    var list = JsonNode.Parse(await r.Content.ReadAsStringAsync());
                    var items = (list as JsonArray) ?? list?["items"]?.AsArray() ?? list?["statements"]?.AsArray();
                    period = items?.Select(i => i?["period"]?.GetValue<string>()).Where(p => p is { Length: 7 }).Order(StringComparer.Ordinal).LastOrDefault();
                    if (period is not null) break;
                }
                await Task.Delay(2000);
            }
            if (period is null) throw new InvalidOperationException("the demo community has no published monthly statement");
            Console.Error.WriteLine($"[pages] demo seeded in {sw.Elapsed.TotalSeconds:F0} s after ready; latest statement {period}");
            // The cache keeps a page 10 s: wait for the pages built while seeding to expire, so both sides serve the final bytes.
            await Task.Delay(11_000);

            var pages = new (string Name, string Path, string File)[]
            {
                ("statement page", $"/p/demo/statements/{period}", "statement.html"),
                ("embed page", "/embed/demo/latest", "embed.html"),
            };
            var root = Path.Combine(dir, "www");
            Directory.CreateDirectory(root);
            // nginx sends each file with the service's own headers for that page (security headers, caching policy),
            // so both sides put the same header bytes on the wire; nginx keeps its own Date, Content-*, ETag.
            var headers = new Dictionary<string, List<(string Name, string Value)>>();
            var floorPages = new List<KestrelFloor.Page>();
            foreach (var p in pages)
            {
                using var r = await http.GetAsync(p.Path);
                if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"GET {p.Path}: {(int)r.StatusCode}");
                await File.WriteAllBytesAsync(Path.Combine(root, p.File), await r.Content.ReadAsByteArrayAsync());
                headers[p.File] = r.Headers.Where(h => h.Key is not ("Date" or "ETag" or "Server" or "Transfer-Encoding" or "Connection"))
                    .SelectMany(h => h.Value.Select(v => (h.Key, v))).ToList();
                // The floor sends the service's ETag too; Kestrel adds Date and Content-Length as for the service.
                floorPages.Add(new KestrelFloor.Page("/" + p.File, Path.Combine(root, p.File), r.Content.Headers.ContentType!.ToString(),
                    [.. headers[p.File].Select(h => new[] { h.Name, h.Value }), .. r.Headers.ETag is { } etag ? new[] { new[] { "ETag", etag.ToString() } } : []]));
            }
            Proc.Run("chmod", ["-R", "a+rX", dir]);

            await using var nginx = await Nginx.StartAsync(dir, root, headers);
            await using var floor = await KestrelFloor.Start(dir, floorPages);
            var failures = 0;
            var results = new List<(string Name, int Bytes, List<Wrk> Ours, List<Wrk> Base, List<Wrk> Floor)>();
            foreach (var p in pages)
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(root, p.File));
                using var nh = new HttpClient { BaseAddress = nginx.Base };
                if (!SHA256.HashData(await FetchAsync(nh, "/" + p.File)).SequenceEqual(SHA256.HashData(bytes))) throw new InvalidOperationException("nginx serves other bytes");
                using var fh = new HttpClient { BaseAddress = floor.Base };
                if (!SHA256.HashData(await FetchAsync(fh, "/" + p.File)).SequenceEqual(SHA256.HashData(bytes))) throw new InvalidOperationException("the Kestrel floor serves other bytes");
                var ours = new List<Wrk>();
                var baseline = new List<Wrk>();
                var bare = new List<Wrk>();
                // Alternating, each measured run after its own warm-up of the same URL (2 s, not counted), so
                // neither side is measured cold or right after the other side's load.
                for (var run = 0; run < runs; run++)
                {
                    Wrk.Run(new Uri(service.Base, p.Path), WarmUpSeconds);
                    ours.Add(Wrk.Run(new Uri(service.Base, p.Path), seconds));
                    Wrk.Run(new Uri(nginx.Base, "/" + p.File), WarmUpSeconds);
                    baseline.Add(Wrk.Run(new Uri(nginx.Base, "/" + p.File), seconds));
                    Wrk.Run(new Uri(floor.Base, "/" + p.File), WarmUpSeconds);
                    bare.Add(Wrk.Run(new Uri(floor.Base, "/" + p.File), seconds));
                }
                var after = await FetchAsync(http, p.Path);
                if (!after.SequenceEqual(bytes)) { failures++; Console.WriteLine($"  CHECK FAILED: {p.Name} changed during the run"); }
                if (ours.Any(w => w.Errors > 0)) { failures++; Console.WriteLine($"  CHECK FAILED: {p.Name} had non-2xx or socket errors"); }
                results.Add((p.Name, bytes.Length, ours, baseline, bare));
            }

            Console.WriteLine($"public pages, wrk -t2 -c{Connections}, median of {runs} alternating runs of {seconds} s, each after {WarmUpSeconds} s of warm-up (service on SQLite, demo community, statement {period}; nginx sends the service's headers):");
            Console.WriteLine($"  {"page",-16} {"bytes",7} {"service req/s",14} {"nginx req/s",12} {"ratio",7} {"svc p50",8} {"svc p99",8} {"nginx p50",10} {"nginx p99",10}  target (>=90% of nginx, p99 < 5 ms)");
            foreach (var (name, size, ours, baseline, _) in results)
            {
                var o = Stats.Median(ours.Select(w => w.Rps).ToList());
                var b = Stats.Median(baseline.Select(w => w.Rps).ToList());
                var p50 = Stats.Median(ours.Select(w => w.P50Ms).ToList());
                var p99 = Stats.Median(ours.Select(w => w.P99Ms).ToList());
                var n50 = Stats.Median(baseline.Select(w => w.P50Ms).ToList());
                var n99 = Stats.Median(baseline.Select(w => w.P99Ms).ToList());
                var verdict = (o / b >= 0.9 ? "rate met" : "rate MISSED") + ", " + (p99 < 5 ? "p99 met" : "p99 MISSED");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-16} {size,7} {o,14:F0} {b,12:F0} {o / b,6:P0} {p50,6:F2}ms {p99,6:F2}ms {n50,8:F2}ms {n99,8:F2}ms  {verdict}"));
                Console.WriteLine($"  {"",-16} runs service: {Stats.Runs(ours.Select(w => w.Rps))}; nginx: {Stats.Runs(baseline.Select(w => w.Rps))}");
            }
            Console.WriteLine("  the Kestrel floor (the same bytes and headers from memory, one terminal middleware, no logging): how much of the gap is Kestrel's");
            foreach (var (name, _, ours, baseline, bare) in results)
            {
                var (o, b, f) = (Stats.Median(ours.Select(w => w.Rps).ToList()), Stats.Median(baseline.Select(w => w.Rps).ToList()), Stats.Median(bare.Select(w => w.Rps).ToList()));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-16} floor {f,8:F0} req/s: {f / b,4:P0} of nginx; the service is {o / f,4:P0} of the floor   runs floor: {Stats.Runs(bare.Select(w => w.Rps))}"));
            }
            Console.WriteLine($"  check: 200 with the same bytes as the static file before and after the load -> {(failures == 0 ? "ok" : "FAILED")}");
            var (peak, _) = service.Memory();
            Console.WriteLine($"  service peak working set {Stats.Mb(peak)}");
            return failures == 0 ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static async Task<byte[]> FetchAsync(HttpClient http, string path)
    {
        using var r = await http.GetAsync(path);
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path}: {(int)r.StatusCode}");
        return await r.Content.ReadAsByteArrayAsync();
    }
}

sealed record Wrk(double Rps, double P50Ms, double P99Ms, long Errors)
{
    public static Wrk Run(Uri url, int seconds)
    {
        var (_, o, _) = Proc.Run("wrk", ["-t2", "-c64", $"-d{seconds}s", "--latency", url.ToString()]);
        var rps = double.Parse(Regex.Match(o, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var errors = 0L;
        var non2xx = Regex.Match(o, @"Non-2xx or 3xx responses: (\d+)");
        if (non2xx.Success) errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        var socket = Regex.Match(o, @"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)");
        if (socket.Success) errors += Enumerable.Range(1, 4).Sum(i => long.Parse(socket.Groups[i].Value, CultureInfo.InvariantCulture));
        return new Wrk(rps, Latency(o, "50%"), Latency(o, "99%"), errors);
    }

    private static double Latency(string output, string pct)
    {
        var m = Regex.Match(output, $@"\s{Regex.Escape(pct)}\s+([\d.]+)(us|ms|s)");
        var v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => v / 1000, "ms" => v, _ => v * 1000 };
    }
}

/// <summary>nginx in the foreground (daemon off) on 127.0.0.1 and a free port, serving a folder; stopped by its master pid.</summary>
sealed class Nginx : IAsyncDisposable
{
    private readonly Process _process;
    public Uri Base { get; }

    private Nginx(Process p, Uri b) { _process = p; Base = b; }

    public static async Task<Nginx> StartAsync(string dir, string root, IReadOnlyDictionary<string, List<(string Name, string Value)>>? headers = null)
    {
        var port = Proc.FreePort();
        // One exact location per file, adding that file's headers (values in double quotes: the policies hold single ones).
        var locations = string.Join("\n", (headers ?? new Dictionary<string, List<(string Name, string Value)>>()).Select(f =>
            $"location = /{f.Key} {{ {string.Concat(f.Value.Select(h => $"add_header {h.Name} \"{h.Value}\"; "))}}}"));
        var conf = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            worker_processes auto;
            daemon off;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/nginx-error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                sendfile on;
                tcp_nopush on;
                keepalive_requests 1000000;
                open_file_cache max=1000 inactive=60s;
                open_file_cache_valid 60s;
                client_body_temp_path {{dir}}/nginx-body;
                proxy_temp_path {{dir}}/nginx-proxy;
                fastcgi_temp_path {{dir}}/nginx-fastcgi;
                uwsgi_temp_path {{dir}}/nginx-uwsgi;
                scgi_temp_path {{dir}}/nginx-scgi;
                types { text/html html; }
                default_type text/html;
                server_tokens off;
                server {
                    listen 127.0.0.1:{{port}};
                    root {{root}};
                    charset utf-8;
                    {{locations}}
                }
            }
            """);
        var psi = new ProcessStartInfo("nginx") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", conf, "-p", dir }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var nginx = new Nginx(p, new Uri($"http://127.0.0.1:{port}"));
        Console.Error.WriteLine($"[nginx] master pid {p.Id} on {nginx.Base}");
        using var http = new HttpClient { BaseAddress = nginx.Base };
        for (var i = 0; i < 100; i++)
        {
            if (p.HasExited) throw new InvalidOperationException("nginx exited: " + await p.StandardError.ReadToEndAsync());
            try { await http.GetAsync("/"); return nginx; } catch (HttpRequestException) { await Task.Delay(100); }
        }
        throw new TimeoutException("nginx did not start");
    }

    public ValueTask DisposeAsync()
    {
        // SIGQUIT: graceful shutdown of the master and its workers.
        Proc.Stop(_process.Id, "QUIT");
        Console.Error.WriteLine($"[nginx] stopped pid {_process.Id}");
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
