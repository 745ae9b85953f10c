using System.Text;
using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using static Ledger.Api.Public.Html;

namespace Ledger.Api.Public;

/// <summary>
/// The signed bank reconciliations, public: <c>/p/{c}/reconciliations/{month}</c> (HTML, zh-CN or
/// ?lang=en) and <c>.json</c> (the document exactly as signed, with its hash). Items show kind, date
/// and amount only; references and memos can name a household and stay with staff, and owners' payments
/// appear only as one total per kind (<see cref="Reconciliation.Publish"/>).
/// </summary>
public static class ReconciliationPages
{
    private static readonly Dictionary<string, (string Zh, string En)> Words = new()
    {
        ["title"] = ("银行对账", "Bank reconciliation"),
        ["bankClosing"] = ("银行对账单期末余额", "Bank statement, closing balance"),
        ["bookClosing"] = ("账面银行存款期末余额", "Books, closing bank balance"),
        ["difference"] = ("差额", "Difference"),
        ["items"] = ("未达账项", "Reconciling items"),
        ["noItems"] = ("无未达账项。", "No reconciling items."),
        ["in_bank_not_books"] = ("银行已记、账面未记", "In the bank, not yet in the books"),
        ["in_books_not_bank"] = ("账面已记、银行未记", "In the books, not yet in the bank"),
        ["unexplained"] = ("未说明差额", "Unexplained"),
        ["ownerPayments"] = ("业主缴费 {0} 笔合计，不逐笔公示", "{0} owners' payment(s) in total, not listed one by one"),
        ["kind"] = ("类型", "Kind"), ["date"] = ("日期", "Date"), ["amount"] = ("金额（影响银行减账面）", "Amount (bank minus books)"),
        ["signed"] = ("监察人签字", "Signed by the supervisor"), ["remarks"] = ("监察人意见", "Supervisor's remarks"),
        ["hash"] = ("对账单哈希", "Reconciliation hash"), ["agree"] = ("银行与账面一致", "Bank and books agree"),
        ["explained"] = ("银行与账面差额 {0}，已由 {1} 笔未达账项说明", "Bank and books differ by {0}, explained by {1} reconciling item(s)"),
        ["fund1002"] = ("共有基金账户", "Common-fund account"), ["fund1003"] = ("专项维修资金账户", "Maintenance-fund account"),
        ["statement"] = ("本月报表", "This month's statement"), ["json"] = ("JSON", "JSON"),
        ["help"] = ("哈希为去掉 hash 字段后按 RFC 8785 规范化的 JSON 的 SHA-256。", "The hash is the SHA-256 of the RFC 8785 form of the JSON without its hash field."),
    };

    private static string W(Texts t, string key) => Words.TryGetValue(key, out var w) ? (t.IsEnglish ? w.En : w.Zh) : key;

    public static IEndpointRouteBuilder MapReconciliationPages(this IEndpointRouteBuilder app)
    {
        var p = app.MapGroup("/p/{c}/reconciliations").AllowAnonymous().WithTags("Public").ExcludeFromDescription();
        p.MapGet("/{month}.json", Json);
        p.MapGet("/{month}", Page);
        return app;
    }

    private static async Task<(CommunityInfo? Community, string? Body)> FindAsync(string c, string month, string? account, CommunityBook communities, BankBook bank)
    {
        if (!Month.TryParse(month, out var m) || !BankAccounts.IsBank(account ?? BankAccounts.Common)) return (null, null);
        var community = await communities.FindAsync(c);
        if (community is null) return (null, null);
        return (community, await bank.PublishedAsync(community.Id, m, account ?? BankAccounts.Common));
    }

    private static async Task<IResult> Json(string c, string month, string? account, HttpContext http, CommunityBook communities, BankBook bank)
    {
        var (_, body) = await FindAsync(c, month, account, communities, bank);
        if (body is not null) PublicEndpoints.CachePublicly(http);
        return body is null ? Infrastructure.Problems.NotFound("The signed reconciliation") : Results.Text(body, "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> Page(string c, string month, string? account, HttpContext http, CommunityBook communities, BankBook bank)
    {
        var t = Texts.For(http);
        var (community, body) = await FindAsync(c, month, account, communities, bank);
        if (community is null || body is null)
        {
            var (status, html) = PublicEndpoints.NotFoundPage(http, t);
            return Results.Text(html, PublicEndpoints.HtmlType, Encoding.UTF8, status);
        }
        PublicEndpoints.CachePublicly(http);
        var d = JsonNode.Parse(body)!.AsObject();
        var lang = PublicEndpoints.LangQuery(t);
        var code = d["account"]!.GetValue<string>();
        var bankClosing = d["bankClosing"]!.GetValue<long>();
        var bookClosing = d["bookClosing"]!.GetValue<long>();
        var items = d["items"]!.AsArray();
        var b = new StringBuilder();
        b.Append($"<h1>{E(community.Name)} · {E(month)} {E(W(t, "title"))}</h1>");
        b.Append($"<p class=\"muted\">{E(W(t, "fund" + code))} ({E(code)}) · <a href=\"/p/{E(c)}/statements/{E(month)}{lang}\">{E(W(t, "statement"))}</a></p>");
        b.Append($"<p>{AgreeLine(t, bankClosing, bookClosing, items.Sum(i => i!["ownerPayments"]?.GetValue<int>() ?? 1))}</p>");
        b.Append("<div class=\"cards\">").Append(Card(W(t, "bankClosing"), Money(bankClosing))).Append(Card(W(t, "bookClosing"), Money(bookClosing)))
            .Append(Card(W(t, "difference"), Money(bankClosing - bookClosing))).Append(Card(W(t, "unexplained"), Money(d["unexplained"]!.GetValue<long>()))).Append("</div>");
        b.Append($"<h2>{E(W(t, "items"))}</h2>");
        if (items.Count == 0) b.Append($"<p>{E(W(t, "noItems"))}</p>");
        else
            b.Append(Table([W(t, "date"), W(t, "kind"), W(t, "amount")], items.Select(i => new[]
            {
                E(i!["date"]!.GetValue<string>()),
                E(W(t, i["kind"]!.GetValue<string>())) + (i["ownerPayments"] is { } n
                    ? $" <span class=\"muted\">({E(string.Format(System.Globalization.CultureInfo.InvariantCulture, W(t, "ownerPayments"), n.GetValue<int>()))})</span>" : ""),
                E(Money(i["amount"]!.GetValue<long>())),
            }), new HashSet<int> { 2 }));
        b.Append($"<h2>{E(W(t, "signed"))}</h2><p>{E(d["signedBy"]!.GetValue<string>())} · {E(d["signedAt"]!.GetValue<string>()[..10])}</p>");
        b.Append($"<div class=\"remark\"><b>{E(W(t, "remarks"))}</b>: {E(d["remarks"]!.GetValue<string>())}</div>");
        b.Append($"<h2>{E(t["verification"])}</h2><p>{E(W(t, "hash"))}: <span class=\"hash\">{E(d["hash"]!.GetValue<string>())}</span></p>");
        b.Append($"<p class=\"muted\">{E(W(t, "help"))}</p><p><a href=\"/p/{E(c)}/reconciliations/{E(month)}.json{(code == BankAccounts.Common ? "" : $"?account={code}")}\">{E(W(t, "json"))}</a></p>");
        var switchHref = PublicEndpoints.SwitchHref(http, t, code == BankAccounts.Common ? null : $"account={Uri.EscapeDataString(code)}");
        return Results.Text(Html.Page(t, $"{community.Name} · {month} {W(t, "title")}", b.ToString(), switchHref), PublicEndpoints.HtmlType, Encoding.UTF8);
    }

    private static string AgreeLine(Texts t, long bank, long books, int items) => bank == books
        ? $"<span class=\"ok\">✓ {E(W(t, "agree"))}</span>"
        : $"<span class=\"bad\">{E(string.Format(System.Globalization.CultureInfo.InvariantCulture, W(t, "explained"), Money(bank - books), items))}</span>";

    /// <summary>For the community page: one line per signed month and account, saying whether bank and books agree.</summary>
    public static async Task<string> CommunitySectionAsync(Texts t, string c, CommunityInfo community, BankBook bank)
    {
        var signed = await bank.SignedAsync(community.Id);
        if (signed.Count == 0) return "";
        var lang = PublicEndpoints.LangQuery(t);
        var b = new StringBuilder($"<h2>{E(W(t, "title"))}</h2><ul>");
        foreach (var s in signed.OrderByDescending(s => s.Month, StringComparer.Ordinal))
        {
            var query = s.Account == BankAccounts.Common ? lang : $"?account={s.Account}{(t.IsEnglish ? "&lang=en" : "")}";
            b.Append($"<li><a href=\"/p/{E(c)}/reconciliations/{E(s.Month)}{query}\">{E(s.Month)} · {E(W(t, "fund" + s.Account))}</a>: {AgreeLine(t, s.BankClosing, s.BookClosing, s.Items)}</li>");
        }
        return b.Append("</ul>").ToString();
    }

    /// <summary>For a month's statement page: a link to each signed reconciliation of that month.</summary>
    public static async Task<string> StatementLinksAsync(Texts t, string c, CommunityInfo community, string period, BankBook bank)
    {
        var signed = (await bank.SignedAsync(community.Id)).Where(s => s.Month == period).ToList();
        if (signed.Count == 0) return "";
        var lang = PublicEndpoints.LangQuery(t);
        return $"<h2>{E(W(t, "title"))}</h2><ul>" + string.Concat(signed.Select(s =>
        {
            var query = s.Account == BankAccounts.Common ? lang : $"?account={s.Account}{(t.IsEnglish ? "&lang=en" : "")}";
            return $"<li><a href=\"/p/{E(c)}/reconciliations/{E(s.Month)}{query}\">{E(W(t, "fund" + s.Account))}</a>: {AgreeLine(t, s.BankClosing, s.BookClosing, s.Items)}</li>";
        })) + "</ul>";
    }
}
