using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;
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

    /// <summary>
    /// What browsers and shared caches may keep a public answer for without asking again: the server's own
    /// <see cref="CacheFor"/>, never longer. A statement published or corrected is then on every reader's screen
    /// within twice that (the server's entry expiring, then the reader's copy); a longer max-age (it was 60 s) left
    /// readers on the superseded page for a minute after the server had the new one. Repeat visits still cost a 304.
    /// </summary>
    internal static readonly string PublicCacheControl = $"public, max-age={(int)CacheFor.TotalSeconds}";

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

    /// <summary>
    /// A rendered answer, ready to send: its validator and its result are built once, when cached.
    /// <paramref name="policyKey"/> names the cache entry of the page's own Content-Security-Policy (the embed
    /// page's frame-ancestors), read at every hit as the endpoint reads it; null for the site-wide policy.
    /// </summary>
    private sealed class Cached(byte[] body, string contentType, string etag, int status, string? policyKey)
    {
        public readonly int Status = status;
        public readonly string ETag = etag;
        public readonly StringValues ETagValue = etag;
        public readonly Raw Result = new(body, contentType, status);
        public readonly byte[] Body = body;
        public readonly StringValues ContentType = contentType;
        public readonly string? PolicyKey = policyKey;
    }

    private static readonly StringValues PublicCaching = PublicCacheControl;

    /// <summary>
    /// A public answer the page cache does not serve (the journal feed, signed reconciliations, the role holders) says
    /// what a cached page says, so a browser or CDN keeps none of them longer than any other: <see cref="PublicCacheControl"/>.
    /// Only a success: a 404 may become a page a moment later (a reconciliation signed, a statement published). A reader
    /// who sends credentials still gets <c>no-store</c> (<see cref="Infrastructure.PrivateAnswers"/>).
    /// </summary>
    internal static void CachePublicly(HttpContext http) => http.Response.Headers.CacheControl = PublicCaching;
    private static readonly IResult NotModified = Results.StatusCode(304);

    private static string Problem(int status) => new System.Text.Json.Nodes.JsonObject
    {
        ["type"] = "https://ledger.example/problems/not_found", ["title"] = Infrastructure.Problems.Title(status), ["status"] = status,
        ["detail"] = "There is no such published document.", ["code"] = Domain.Model.Codes.NotFound,
    }.ToJsonString();

    /// <summary>Serves a rendered response from the cache (or renders it), honouring If-None-Match.</summary>
    internal static async Task<IResult> Serve(HttpContext http, IMemoryCache cache, string contentType, Func<Task<(int Status, string Body)>> render,
        bool bom = false, string? policyKey = null)
    {
        // Keyed by what changes the answer (path, language, version), never by the raw query string,
        // so made-up parameters cannot fill the cache; its size is bounded in bytes (Startup).
        var key = CacheKey(http.Request);
        if (!cache.TryGetValue(key, out Cached? hit) || hit is null)
        {
            var (status, body) = await render();
            var type = contentType;
            // A data document (JSON, CSV) that is not there answers as the API does: problem+json with its code.
            if (status != 200 && !contentType.StartsWith("text/html", StringComparison.Ordinal))
                (type, body, bom) = ("application/problem+json", Problem(status), false);
            var bytes = bom ? [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(body)] : Encoding.UTF8.GetBytes(body);
            hit = new Cached(bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"", status, policyKey);
            cache.Set(key, hit, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor, Size = bytes.Length + key.Length });
        }
        if (hit.Status == 200)
        {
            http.Response.Headers.ETag = hit.ETagValue;
            http.Response.Headers.CacheControl = PublicCaching;
            if (http.Request.Headers.IfNoneMatch == hit.ETag) return NotModified;
        }
        return hit.Result;
    }

    /// <summary>
    /// The first middleware, before routing (issue 18): an anonymous GET of a public page (<c>/p</c>, <c>/embed</c>)
    /// with no credential, no body and no text the guard would refuse, whose rendered answer is cached with status
    /// 200, is answered here from that entry with exactly the headers, status and 304 behaviour the endpoint gives
    /// a cache hit (<see cref="Serve"/>, <see cref="SecurityHeaders"/>). Everything else goes the full way:
    /// a request with an Authorization header or a cookie, another method, a page not in the cache (or whose
    /// own policy entry expired), a cached 404, or a path or query <see cref="Infrastructure.TextGuard"/> refuses.
    /// </summary>
    public static IApplicationBuilder UseCachedPublicPages(this IApplicationBuilder app)
    {
        var cache = app.ApplicationServices.GetRequiredService<IMemoryCache>();
        return app.Use(next => http =>
        {
            var request = http.Request;
            if (!HttpMethods.IsGet(request.Method) || !Infrastructure.Auth.IsAnonymousPublicRead(request)
                || request.ContentType is not null || request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0
                || !cache.TryGetValue(CacheKey(request), out Cached? hit) || hit is not { Status: 200 })
                return next(http);
            string? ownPolicy = null;
            if (hit.PolicyKey is not null && (!cache.TryGetValue(hit.PolicyKey, out ownPolicy) || ownPolicy is null)) return next(http);
            if (!PassesTextGuard(request)) return next(http);

            var response = http.Response;
            var h = response.Headers;
            h.ETag = hit.ETagValue;
            h.CacheControl = PublicCaching;
            SecurityHeaders.SetForPage(h, ownPolicy);
            if (request.Headers.IfNoneMatch == hit.ETag)
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }
            response.StatusCode = StatusCodes.Status200OK;
            h.ContentType = hit.ContentType;
            response.ContentLength = hit.Body.Length;
            // One write of the whole body: Kestrel sends it with the headers in one flush.
            var write = response.BodyWriter.WriteAsync(hit.Body);
            return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
        });
    }

    /// <summary>
    /// HEAD of a public page or download is answered as its GET (RFC 9110 asks every server for both): link checkers,
    /// crawlers and monitors ask HEAD first, and were answered 405. The request goes on as a GET; the server still
    /// knows it was a HEAD and sends the headers only (Kestrel: status, Content-Length, ETag, no body).
    /// </summary>
    public static IApplicationBuilder UseHeadAsGetForPublicPages(this IApplicationBuilder app) => app.Use(static (http, next) =>
    {
        var request = http.Request;
        if (HttpMethods.IsHead(request.Method) && (request.Path.StartsWithSegments("/p") || request.Path.StartsWithSegments("/embed")))
            request.Method = HttpMethods.Get;
        return next(http);
    });

    /// <summary>What <see cref="Infrastructure.TextGuard"/> checks in a request without a body: the path and every query key and value.</summary>
    private static bool PassesTextGuard(HttpRequest request)
    {
        if (Infrastructure.TextGuard.Problem(request.Path.Value ?? "", multiLine: false) is not null) return false;
        if (!request.QueryString.HasValue) return true;
        foreach (var (key, values) in request.Query)
        {
            if (Infrastructure.TextGuard.Problem(key, false) is not null) return false;
            foreach (var v in values)
                if (Infrastructure.TextGuard.Problem(v ?? "", false) is not null) return false;
        }
        return true;
    }

    /// <summary>"public:{path}|{zh or en}|{version}|{after}|{limit}"; without a query string, one concatenation.</summary>
    private static string CacheKey(HttpRequest request)
    {
        if (!request.QueryString.HasValue) return string.Concat("public:", request.Path.ToString(), "|zh|||");
        var q = request.Query;
        return $"public:{request.Path}|{(Texts.Asked(q["lang"].ToString()) == "en" ? "en" : "zh")}|{q["version"]}|{q["after"]}|{q["limit"]}";
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

    /// <summary>The chart's English names by account for an English page (records carry the Chinese ones); none for a Chinese page.</summary>
    internal static async Task<IReadOnlyDictionary<string, string>> EnglishNamesAsync(Texts t, Journal journal, long communityId) =>
        t.IsEnglish ? (await journal.ChartAsync(communityId)).ToDictionary(a => a.Key, a => a.Value.NameEn) : new Dictionary<string, string>();

    /// <summary>
    /// The page in the other language: its path, the language, and only the parameters the page itself names in
    /// <paramref name="keep"/> (<c>version=2</c>, <c>account=1003</c>, already encoded), never the raw query, since the
    /// page is cached for everyone who asks for it.
    /// </summary>
    internal static string SwitchHref(HttpContext http, Texts t, string? keep = null) =>
        http.Request.Path + (t.IsEnglish ? (keep is null ? "" : "?" + keep) : "?lang=en" + (keep is null ? "" : "&" + keep));

    /// <summary>A public page that is not there, with the same language link as the page would have had.</summary>
    internal static (int, string) NotFoundPage(HttpContext http, Texts t) => (404, StatusPage(t, 404, Codes.NotFound, null, SwitchHref(http, t)));

    /// <summary>A status as a public page: a 404 says it in its title; another status also has its sentence under role="alert" with its code.</summary>
    internal static string StatusPage(Texts t, int status, string code, string? sentence, string switchHref)
    {
        var title = status == 404 ? t["notFound"] : t["errorTitle"];
        var alert = sentence is null ? "" : Alert(code, sentence);
        return Page(t, title, $"<h1>{E(title)}</h1>{alert}", switchHref);
    }

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
