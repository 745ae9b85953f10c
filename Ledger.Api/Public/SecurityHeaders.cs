using Microsoft.Extensions.Primitives;

namespace Ledger.Api.Public;

/// <summary>The headers every response carries, and the strict content policy public pages are served under.</summary>
public static class SecurityHeaders
{
    public const string StrictCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

    // Built once: every response carries them, so none is concatenated or boxed per request.
    private static readonly StringValues NoSniff = "nosniff", NoReferrer = "no-referrer", Deny = "DENY",
        PagePolicy = StrictCsp + "; frame-ancestors 'none'", DocsPolicy = "frame-ancestors 'none'";

    /// <summary>Default headers: no framing and no sniffing anywhere; the strict policy on every page but the API docs.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(static (http, next) =>
    {
        http.Response.OnStarting(Apply, http);
        return next(http);
    });

    // Static with the context as state: no closure per request. Runs when the headers are sent, so an
    // endpoint's own policy (the embed page's frame-ancestors) is kept and then gets no X-Frame-Options.
    private static readonly Func<object, Task> Apply = static state =>
    {
        var http = (HttpContext)state;
        var h = http.Response.Headers;
        h.XContentTypeOptions = NoSniff;
        h["Referrer-Policy"] = NoReferrer;
        if (!h.ContainsKey("Content-Security-Policy"))
        {
            h.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/docs") ? DocsPolicy : PagePolicy;
            h.XFrameOptions = Deny;
        }
        return Task.CompletedTask;
    };

    /// <summary>
    /// The same headers, set at once, for an answer written ahead of this middleware (a cached public page,
    /// <see cref="PublicEndpoints.UseCachedPublicPages"/>): the page's own policy without X-Frame-Options,
    /// or the strict one with it.
    /// </summary>
    internal static void SetForPage(IHeaderDictionary h, string? ownPolicy)
    {
        h.ContentSecurityPolicy = ownPolicy ?? PagePolicy;
        h.XContentTypeOptions = NoSniff;
        h["Referrer-Policy"] = NoReferrer;
        if (ownPolicy is null) h.XFrameOptions = Deny;
    }
}
