using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Caching.Memory;
using static Ledger.Api.Public.Html;

namespace Ledger.Api.Public;

/// <summary>
/// What owners and the public read without logging in: the route table, and how every public answer is
/// served. Rendered on the server (<see cref="PublicPages"/> for HTML, <see cref="OpenData"/> for the
/// downloads), cached briefly in memory (published statements never change), answered with ETags so
/// repeat visits get 304. The headers every response carries are in <see cref="SecurityHeaders"/>.
/// </summary>
public static class PublicEndpoints
{
    internal static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapPublicPages(this IEndpointRouteBuilder app)
    {
        var p = app.MapGroup("/p/{c}").AllowAnonymous().WithTags("Public");
        p.MapGet("/", PublicPages.CommunityPage).Produces<string>(200, "text/html");
        p.MapGet("/statements.json", OpenData.StatementIndex).Produces<JsonObject>();
        p.MapGet("/statements/{period}.json", OpenData.StatementJson).Produces<JsonObject>();
        p.MapGet("/statements/{period}.csv", OpenData.StatementCsv).Produces<string>(200, "text/csv");
        p.MapGet("/statements/{period}/datapackage.json", OpenData.DataPackage).Produces<JsonObject>();
        p.MapGet("/statements/{period}/data.csv", OpenData.DataPackageCsv).Produces<string>(200, "text/csv");
        p.MapGet("/statements/{period}/statement.json", OpenData.StatementJson).Produces<JsonObject>();
        p.MapGet("/statements/{period}", PublicPages.StatementPage).Produces<string>(200, "text/html");
        p.MapGet("/journal", OpenData.JournalFeed).Produces<Infrastructure.Page<OpenData.JournalFeedItem>>();
        p.MapGet("/motions/{id:long}", PublicPages.MotionPage).Produces<string>(200, "text/html");
        app.MapGet("/embed/{c}/latest", PublicPages.EmbedPage).AllowAnonymous().WithTags("Public").Produces<string>(200, "text/html");
        return app;
    }

    private sealed record Cached(byte[] Body, string ContentType, string ETag, int Status);

    /// <summary>Serves a rendered response from the cache (or renders it), honouring If-None-Match.</summary>
    internal static async Task<IResult> Serve(HttpContext http, IMemoryCache cache, string contentType, Func<Task<(int Status, string Body)>> render, bool bom = false)
    {
        // Keyed by what changes the answer (path, language, version), never by the raw query string,
        // so made-up parameters cannot fill the cache; its size is bounded in bytes (Startup).
        var q = http.Request.Query;
        var key = $"public:{http.Request.Path}|{(q["lang"] == "en" ? "en" : "zh")}|{q["version"]}|{q["after"]}|{q["limit"]}";
        if (!cache.TryGetValue(key, out Cached? hit) || hit is null)
        {
            var (status, body) = await render();
            var bytes = bom ? [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(body)] : Encoding.UTF8.GetBytes(body);
            hit = new Cached(bytes, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"", status);
            cache.Set(key, hit, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor, Size = bytes.Length + key.Length });
        }
        if (hit.Status == 200)
        {
            http.Response.Headers.ETag = hit.ETag;
            http.Response.Headers.CacheControl = "public, max-age=60";
            if (http.Request.Headers.IfNoneMatch == hit.ETag) return Results.StatusCode(304);
        }
        return new Raw(hit.Body, hit.ContentType, hit.Status);
    }

    /// <summary>Pre-rendered bytes with their status: no serializer on the hot path.</summary>
    private sealed class Raw(byte[] body, string contentType, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = contentType;
            http.Response.ContentLength = body.Length;
            return http.Response.Body.WriteAsync(body).AsTask();
        }
    }

    internal const string HtmlType = "text/html; charset=utf-8";

    internal static string LangQuery(Texts t) => t.IsEnglish ? "?lang=en" : "";

    internal static string SwitchHref(HttpContext http, Texts t) => http.Request.Path + (t.IsEnglish ? "" : "?lang=en");

    internal static (int, string) NotFoundPage(Texts t) => (404, Page(t, t["notFound"], $"<h1>{E(t["notFound"])}</h1>", "?"));

    internal static async Task<(CommunityInfo? Community, StatementRecord? Statement, IReadOnlyList<StatementRecord> Versions)> FindStatementAsync(
        string c, string period, int? version, CommunityBook communities, StatementBook statements)
    {
        var community = await communities.FindAsync(c);
        if (community is null) return (null, null, []);
        var versions = (await statements.ListAsync(community.Id, includeDrafts: false)).Where(s => s.Period == period).OrderBy(s => s.Version).ToList();
        var match = version is null ? versions.LastOrDefault() : versions.FirstOrDefault(s => s.Version == version);
        return (community, match, versions);
    }
}
