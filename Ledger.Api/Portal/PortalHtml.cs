using System.Globalization;
using Ledger.Api.Public;

namespace Ledger.Api.Portal;

/// <summary>The public pages' look (<see cref="Html.Css"/>) plus what forms need; helpers for Razor views.</summary>
public static class PortalHtml
{
    public const string Css = """
        form{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px;margin:10px 0}
        label{display:block;margin:8px 0 2px;font-weight:600}input,select,textarea{width:100%;max-width:100%;font:inherit;padding:8px;border:1px solid #7b8794;border-radius:6px;background:#fff;color:var(--ink)}
        textarea{min-height:5em}fieldset{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:8px}legend{font-weight:600}
        fieldset label{display:flex;gap:8px;align-items:center;font-weight:400}fieldset input{width:auto}
        button{font:inherit;font-weight:600;margin-top:12px;padding:10px 16px;border:0;border-radius:6px;background:var(--accent);color:#fff;cursor:pointer;min-height:44px}
        button.link{background:none;color:var(--accent);text-decoration:underline;padding:0;margin:0;min-height:0}
        form.inline{display:inline;background:none;border:0;padding:0;margin:0}
        [role=alert]{background:#fdecea;border-left:4px solid #b42318;padding:8px 10px;margin:10px 0;color:#7a1a10}
        [role=status]{background:#e8f5ee;border-left:4px solid var(--accent);padding:8px 10px;margin:10px 0}
        .receipt{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.05rem;word-break:break-all;background:#fff;border:2px dashed var(--accent);padding:10px;margin:8px 0}
        nav.crumbs{margin:8px 0;font-size:.95rem}nav.crumbs a{margin-right:10px}ul.plain{list-style:none;padding:0}ul.plain li{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px;margin:6px 0}
        img.attachment{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
        .tag{display:inline-block;padding:0 6px;border-radius:4px;background:#e4e7eb;font-size:.85rem}.tag.pending{background:#fff3c4}
        """;

    public static string Money(long fen) => Html.Money(fen);

    public static string Area(long centiM2) => (centiM2 / 100m).ToString("#,##0.00", CultureInfo.InvariantCulture);

    public static string Area(decimal m2) => m2.ToString("#,##0.00", CultureInfo.InvariantCulture);

    /// <summary>An ISO instant as local date and time in the community's zone.</summary>
    public static string When(string? instant, TimeZoneInfo zone) =>
        instant is not null && DateTimeOffset.TryParse(instant, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
            : instant ?? "";

    /// <summary>
    /// The same page in the other language: its path and its query (a unit's date range, the sign-in's return address),
    /// with <c>lang</c> replaced. A form's <c>handler</c> is dropped, so the link opens the page rather than its CSV.
    /// Portal pages are never cached, so keeping the reader's own query is safe here (the public pages keep named ones).
    /// </summary>
    public static string SwitchHref(HttpRequest request, PortalTexts t)
    {
        var kept = request.Query
            .Where(q => !q.Key.Equals("lang", StringComparison.OrdinalIgnoreCase) && !q.Key.Equals("handler", StringComparison.OrdinalIgnoreCase))
            .SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v)))
            .Append(KeyValuePair.Create("lang", (string?)(t.IsEnglish ? "zh" : "en")));
        return request.Path.ToUriComponent() + QueryString.Create(kept).ToUriComponent();
    }

    /// <summary>The community's public page in the reader's language: the public pages read <c>?lang=en</c>, not the portal's cookie.</summary>
    public static string PublicPage(PortalTexts t, string c) => $"/p/{c}{(t.IsEnglish ? "?lang=en" : "")}";

    /// <summary>A refusal that comes before any page has loaded (a form's token, its text): the portal's page with a
    /// title, the sentence under role="alert" with its code, and a link back to the page. Nothing was changed.</summary>
    public static Microsoft.AspNetCore.Mvc.ContentResult Refusal(PortalTexts t, string title, string code, string sentence, string back, int status = StatusCodes.Status400BadRequest) => new()
    {
        StatusCode = status, ContentType = "text/html; charset=utf-8",
        Content = Document(t, title, $"<h1>{Html.E(title)}</h1>{Html.Alert(code, sentence)}<p><a href=\"{Html.E(back)}\">{Html.E(t["openAgain"])}</a></p>", back),
    };

    /// <summary>
    /// The page for a status in the portal's look, with a way home: a 404, 405 or 403 says it in its title; any other
    /// (a refused address, too many sign-in attempts) also has its sentence under role="alert" with its code.
    /// </summary>
    public static string StatusDocument(PortalTexts t, int status, string path, string? code = null, string? sentence = null)
    {
        var title = status switch { 404 => t["notFound"], 405 => t["methodNotAllowed"], 403 => t["forbidden"], _ => t["errorTitle"] };
        var alert = sentence is null ? "" : Html.Alert(code ?? "", sentence);
        return Document(t, title, $"<h1>{Html.E(title)}</h1>{alert}<p><a href=\"/app\">{Html.E(t["returnHome"])}</a></p>", path);
    }

    public static string Document(PortalTexts t, string title, string body, string path) =>
        $"""
        <!DOCTYPE html><html lang="{t.Lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Html.E(title)}</title><style>{Html.Css}{Css}</style></head><body><main><header><span class="muted">{Html.E(t["site"])}</span>
        <a href="{Html.E(path)}?lang={(t.IsEnglish ? "zh" : "en")}" hreflang="{(t.IsEnglish ? "zh-CN" : "en")}">{Html.E(t["langSwitch"])}</a></header>{body}</main></body></html>
        """;
}
