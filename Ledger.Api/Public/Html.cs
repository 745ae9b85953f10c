using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Ledger.Api.Public;

/// <summary>
/// Server-rendered HTML with no scripts, fonts or anything from outside. Every value that comes from
/// data goes through <see cref="E"/> (payees and memos are user text); only the templates' own
/// literals are raw.
/// </summary>
public static class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static string E(string? text) => Encoder.Encode(text ?? "");

    /// <summary>Fen as yuan with two decimals and thousands separators: 123456 → ¥1,234.56.</summary>
    public static string Money(long fen) =>
        (fen < 0 ? "-" : "") + "¥" + (Math.Abs(fen) / 100m).ToString("#,##0.00", CultureInfo.InvariantCulture);

    public static string Rate(long basisPoints) => (basisPoints / 100m).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    public const string Css = """
        :root{--ink:#1f2933;--muted:#5f6b7a;--line:#d9e2ec;--accent:#1d6f42;--warn:#b44d12;--bg:#f7f9fb}
        *{box-sizing:border-box}body{margin:0;font:16px/1.6 system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:var(--ink);background:var(--bg)}
        main{max-width:960px;margin:0 auto;padding:16px}header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:8px}
        h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.15rem;margin:1.6em 0 .5em;border-bottom:2px solid var(--line);padding-bottom:.2em}
        a{color:var(--accent)}.muted{color:var(--muted);font-size:.9rem}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
        .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px}.card b{display:block;font-size:1.25rem}
        table{width:100%;border-collapse:collapse;background:#fff;font-size:.95rem}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}.scroll{overflow-x:auto}
        figure{margin:10px 0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px}figcaption{font-weight:600;margin-bottom:6px}
        svg{width:100%;height:auto}.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem;word-break:break-all}
        .ok{color:var(--accent);font-weight:600}.bad{color:var(--warn);font-weight:600}.remark{background:#fff8e6;border-left:4px solid #e0a100;padding:8px 10px;margin:6px 0}
        """;

    /// <summary>A complete page: language, viewport for phones, inline style, the language switch.</summary>
    public static string Page(Texts t, string title, string body, string switchHref)
    {
        var sb = new StringBuilder(8192);
        sb.Append("<!DOCTYPE html><html lang=\"").Append(t.Lang).Append("\"><head><meta charset=\"utf-8\">")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>").Append(E(title)).Append("</title><style>")
          .Append(Css).Append("</style></head><body><main><header><span class=\"muted\">").Append(E(t["site"])).Append("</span><a href=\"")
          .Append(E(switchHref)).Append("\" hreflang=\"").Append(t.IsEnglish ? "zh-CN" : "en").Append("\">").Append(E(t["langSwitch"])).Append("</a></header>")
          .Append(body).Append("</main></body></html>");
        return sb.ToString();
    }

    /// <summary>A refusal's sentence, read out by screen readers, with its stable code beside it.</summary>
    public static string Alert(string code, string sentence) => $"<p role=\"alert\" data-code=\"{E(code)}\">{E(sentence)}</p>";

    public static string Card(string label, string value) => $"<div class=\"card\"><span class=\"muted\">{E(label)}</span><b>{E(value)}</b></div>";

    /// <summary>
    /// A table whose cells are already-encoded HTML; numeric columns are right-aligned. Every column has a heading, even
    /// a column of row labels ("Item", "Count"): a header row with an empty cell heads nothing, and each heading says it
    /// heads its column (<c>scope="col"</c>, WCAG H63) for screen readers.
    /// </summary>
    public static string Table(IEnumerable<string> headers, IEnumerable<IEnumerable<string>> rows, ISet<int>? numeric = null)
    {
        var sb = new StringBuilder("<div class=\"scroll\"><table><thead><tr>");
        var i = 0;
        foreach (var h in headers)
            sb.Append(numeric?.Contains(i++) == true ? "<th scope=\"col\" class=\"n\">" : "<th scope=\"col\">").Append(E(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            var j = 0;
            foreach (var cell in row) sb.Append(numeric?.Contains(j++) == true ? "<td class=\"n\">" : "<td>").Append(cell).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</tbody></table></div>").ToString();
    }
}
