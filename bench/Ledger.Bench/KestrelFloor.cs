using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Ledger.Bench;

/// <summary>
/// The least an ASP.NET Core service can do for a cached page, as the pages' third side: Kestrel with the service's
/// settings (no Server header, server GC) and one terminal middleware that answers a GET of a known path with the
/// page's bytes and the service's headers from memory. No logging, no routing, no cache lookup, no guard. Against
/// nginx it shows how much of the gap is Kestrel's; against the service, how much is still ours.
/// Runs as its own process (<c>Ledger.Bench.dll kestrel-floor PAGES.json PORT</c>), started by <see cref="Start"/>.
/// </summary>
static class KestrelFloor
{
    /// <summary>One page the floor serves: its path, body file, content type and response headers.</summary>
    public sealed record Page(string Path, string File, string ContentType, List<string[]> Headers);

    public static async Task<int> ServeAsync(string pagesFile, int port)
    {
        var pages = JsonSerializer.Deserialize<List<Page>>(await File.ReadAllTextAsync(pagesFile))!
            .ToDictionary(p => p.Path, p => (Body: File.ReadAllBytes(p.File), Page: p), StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false).UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(http =>
        {
            if (!pages.TryGetValue(http.Request.Path.Value ?? "", out var hit)) { http.Response.StatusCode = 404; return Task.CompletedTask; }
            var response = http.Response;
            foreach (var h in hit.Page.Headers) response.Headers[h[0]] = new StringValues(h[1]);
            response.ContentType = hit.Page.ContentType;
            response.ContentLength = hit.Body.Length;
            var write = response.BodyWriter.WriteAsync(hit.Body);
            return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>Starts the floor as a child process with server GC (the service's default as a web project) and waits until it answers.</summary>
    public static async Task<Floor> Start(string dir, IReadOnlyList<Page> pages)
    {
        var file = Path.Combine(dir, "floor-pages.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(pages));
        var port = Proc.FreePort();
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { typeof(KestrelFloor).Assembly.Location, "kestrel-floor", file, port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_gcServer"] = "1";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var p = Process.Start(psi)!;
        var floor = new Floor(p, new Uri($"http://127.0.0.1:{port}"));
        Console.Error.WriteLine($"[floor] Kestrel floor pid {p.Id} on {floor.Base}");
        using var http = new HttpClient { BaseAddress = floor.Base };
        for (var i = 0; i < 300; i++)
        {
            if (p.HasExited) throw new InvalidOperationException("the Kestrel floor exited: " + await p.StandardError.ReadToEndAsync());
            try { if ((await http.GetAsync(pages[0].Path)).IsSuccessStatusCode) return floor; } catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("the Kestrel floor did not start");
    }

    public sealed class Floor(Process process, Uri baseUri) : IAsyncDisposable
    {
        public Uri Base { get; } = baseUri;

        public ValueTask DisposeAsync()
        {
            Proc.Stop(process.Id);
            Console.Error.WriteLine($"[floor] stopped pid {process.Id}");
            process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
