using Ledger.Api.Portal;
using Ledger.Api.Public;
using Ledger.Domain.Model;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// A problem on a page people read is a short page in the reader's language with the same status, not the API's
/// problem+json: under <c>/app</c> in the portal's look, under <c>/p</c> and <c>/embed</c> in the public pages'. The
/// open-data documents beside them (<c>.json</c>, <c>.csv</c>, the journal feed) and the API keep problem+json.
/// Registered ahead of the default writer, so every problem written through <see cref="IProblemDetailsService"/> is
/// answered here on those paths: the text guard's, a route value that does not fit (status code pages), the login
/// rate limit, a request that cannot be read, the unexpected 500.
/// </summary>
public sealed class HtmlProblemWriter : IProblemDetailsWriter
{
    private enum Surface { Data, Portal, PublicPage }

    public bool CanWrite(ProblemDetailsContext context) => SurfaceOf(context.HttpContext.Request.Path) != Surface.Data;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var status = context.ProblemDetails.Status ?? http.Response.StatusCode;
        var code = context.ProblemDetails.Extensions.TryGetValue("code", out var c) && c is string named ? named : Problems.DefaultCode(status);
        string html;
        if (SurfaceOf(http.Request.Path) == Surface.Portal)
        {
            var t = PortalTexts.For(http);
            html = PortalHtml.StatusDocument(t, status, http.Request.Path, code, Sentence(t.IsEnglish, status, code));
        }
        else
        {
            var t = Texts.For(http);
            html = PublicEndpoints.StatusPage(t, status, code, Sentence(t.IsEnglish, status, code), PublicEndpoints.SwitchHref(http, t));
        }
        http.Response.StatusCode = status;
        http.Response.ContentType = PublicEndpoints.HtmlType;
        return new ValueTask(http.Response.WriteAsync(html, http.RequestAborted));
    }

    /// <summary>
    /// Where a path belongs: the portal, a public page, or data (the API, the open-data documents and the journal
    /// feed under <c>/p</c>, everything else), by the path alone since a path that matched no route is asked too.
    /// </summary>
    private static Surface SurfaceOf(PathString path)
    {
        if (path.StartsWithSegments("/app")) return Surface.Portal;
        if (!path.StartsWithSegments("/p") && !path.StartsWithSegments("/embed")) return Surface.Data;
        var value = path.Value!.TrimEnd('/');
        var last = value[(value.LastIndexOf('/') + 1)..];
        var document = last.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || last.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
            || value.Split('/') is ["", "p", _, "journal"];
        return document ? Surface.Data : Surface.PublicPage;
    }

    /// <summary>What went wrong, in words; none for 403, 404 and 405, whose page title says it all.</summary>
    private static string? Sentence(bool english, int status, string code) => (status, code) switch
    {
        (403 or 404 or 405, _) => null,
        (400, Codes.ValidationFailed) => english
            ? "The address holds control or text-direction characters, so the page was not opened. Check the link."
            : "网址中含有控制字符或文字方向控制符，页面没有打开。请检查链接。",
        (429, _) => english ? "Too many attempts; try again in a minute." : "尝试过于频繁，请一分钟后再试。",
        (413, _) => english ? "What was sent is too large." : "提交的内容太大。",
        ( >= 500, _) => english ? "Something went wrong on our side and has been logged; try again later." : "服务出现意外错误，已记录在案，请稍后再试。",
        _ => english ? "This request cannot be read; check the address." : "无法识别这个请求，请检查网址。",
    };
}
