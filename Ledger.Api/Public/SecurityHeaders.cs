namespace Ledger.Api.Public;

/// <summary>The headers every response carries, and the strict content policy public pages are served under.</summary>
public static class SecurityHeaders
{
    public const string StrictCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

    /// <summary>Default headers: no framing and no sniffing anywhere; the strict policy on every page but the API docs.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var h = http.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h["Referrer-Policy"] = "no-referrer";
            if (!h.ContainsKey("Content-Security-Policy"))
            {
                h.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/docs") ? "frame-ancestors 'none'" : StrictCsp + "; frame-ancestors 'none'";
                h.XFrameOptions = "DENY";
            }
            return Task.CompletedTask;
        });
        await next(http);
    });
}
