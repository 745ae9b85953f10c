using System.Globalization;
using System.Text;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Caching.Memory;
using static Ledger.Api.Public.Html;
using static Ledger.Api.Public.PublicEndpoints;

namespace Ledger.Api.Public;

/// <summary>The public HTML pages: a community's page, a statement, a closed motion, and the embeddable summary.</summary>
public static class PublicPages
{
    private static string KindName(Texts t, string kind) => t[kind];

    // ---------------------------------------------------------------- community page

    internal static Task<IResult> CommunityPage(string c, HttpContext http, CommunityBook communities, StatementBook statements,
        MotionBook motions, IdentityBook identity, IMemoryCache cache, TimeProvider clock, BankBook bank)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return NotFoundPage(http, t);
            var published = await statements.ListAsync(community.Id, includeDrafts: false);
            var latestByPeriod = published.GroupBy(s => s.Period).Select(g => g.OrderByDescending(s => s.Version).First()).ToList();
            var months = latestByPeriod.Where(s => s.Kind == "month").OrderBy(s => s.Period, StringComparer.Ordinal).ToList();
            var body = new StringBuilder();
            body.Append($"<h1>{E(community.Name)}</h1>");
            var latest = months.LastOrDefault();
            if (latest is null) body.Append($"<p>{E(t["noStatements"])}</p>");
            else
            {
                var d = latest.Doc;
                body.Append($"<h2>{E(t["latest"])} · {E(d.Period)}</h2><div class=\"cards\">")
                    .Append(Card(t["closing"], Money(d.Bank.Closing))).Append(Card(t["receipts"], Money(d.Receipts.Total)))
                    .Append(Card(t["payments"], Money(d.Payments.Total))).Append(Card(t["collectionRate"], Rate(d.Arrears.CollectionRateBasisPoints)))
                    .Append($"</div><p><a href=\"/p/{E(c)}/statements/{E(d.Period)}{LangQuery(t)}\">{E(t["details"])} →</a></p>");
                var series = months.Select(s => s.Doc).ToList();
                body.Append(Charts.Line(t["balanceOverTime"], series.Select(s => (s.Period, s.Bank.Closing)).ToList()));
                body.Append(Charts.Bars(t["rateOverTime"], series.Select(s => (s.Period, s.Arrears.CollectionRateBasisPoints)).ToList(), Rate));
                body.Append(Table([t["period"], t["closing"], t["collectionRate"]],
                    series.Select(s => new[] { E(s.Period), E(Money(s.Bank.Closing)), E(Rate(s.Arrears.CollectionRateBasisPoints)) }), new HashSet<int> { 1, 2 }));
            }
            body.Append($"<h2>{E(t["history"])}</h2>");
            body.Append(Table([t["period"], t["version"], t["closing"], t["hash"]],
                latestByPeriod.OrderByDescending(s => s.Period, StringComparer.Ordinal).Select(s => new[]
                {
                    $"<a href=\"/p/{E(c)}/statements/{E(s.Period)}{LangQuery(t)}\">{E(s.Period)}</a> <span class=\"muted\">{E(KindName(t, s.Kind))}</span>",
                    s.Version.ToString(CultureInfo.InvariantCulture), E(Money(s.Doc.Bank.Closing)), $"<span class=\"hash\">{E(s.Hash[..16])}…</span>",
                }), new HashSet<int> { 1, 2 }));
            var closed = await motions.ListAsync(community.Id, clock.GetUtcNow(), closedOnly: true);
            if (closed.Count > 0)
            {
                body.Append($"<h2>{E(t["motions"])}</h2>");
                body.Append(Table([t["date"], t["motions"], t["result"]], closed.OrderByDescending(m => m.ClosesAt, StringComparer.Ordinal).Select(m => new[]
                {
                    E(m.ClosesAt[..10]), $"<a href=\"/p/{E(c)}/motions/{m.Id}{LangQuery(t)}\">{E(m.Title)}</a>",
                    m.Result?.Passed == true ? $"<span class=\"ok\">{E(t["passed"])}</span>" : $"<span class=\"bad\">{E(t["failed"])}</span>",
                })));
            }
            body.Append(AccountabilityPages.Summary(t, c));
            body.Append(RolesSection.Render(t, await RoleHolders.RoleHolderEndpoints.HoldersAsync(identity, community.Id)));
            body.Append(await ReconciliationPages.CommunitySectionAsync(t, c, community, bank));
            body.Append(await DecisionPages.CommunitySectionAsync(http, community, t));
            body.Append($"<h2>{E(t["verification"])}</h2><p class=\"muted\">{E(t["verifyHelp"])}</p><p><a href=\"/p/{E(c)}/journal\">{E(t["journal"])}</a></p>");
            return (200, Page(t, community.Name, body.ToString(), SwitchHref(http, t)));
        });
    }

    internal static Task<IResult> StatementPage(string c, string period, int? version, HttpContext http, CommunityBook communities,
        StatementBook statements, IMemoryCache cache, Journal journal, BankBook bank)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var (community, s, versions) = await FindStatementAsync(c, period, version, communities, statements);
            if (community is null || s is null) return NotFoundPage(http, t);
            var english = await EnglishNamesAsync(t, journal, community.Id);
            var reconciliations = s.Kind == "month" ? await ReconciliationPages.StatementLinksAsync(t, c, community, s.Period, bank) : "";
            return (200, Page(t, $"{community.Name} · {s.Period}", RenderStatement(t, c, community, s, versions, english) + reconciliations, SwitchHref(http, t, version is null ? null : $"version={version}")));
        });
    }

    internal static string RenderStatement(Texts t, string c, CommunityInfo community, StatementRecord s, IReadOnlyList<StatementRecord> versions,
        IReadOnlyDictionary<string, string> englishNames)
    {
        var d = s.Doc;
        // Statements carry the chart's Chinese names; the English page shows the chart's English ones.
        string N(string account, string name) => t.IsEnglish && englishNames.TryGetValue(account, out var en) ? en : name;
        var n = new HashSet<int> { 1 };
        var b = new StringBuilder();
        b.Append($"<h1>{E(community.Name)} · {E(d.Period)} {E(KindName(t, d.Kind))}</h1>");
        b.Append($"<p class=\"muted\">{E(t["period"])} {E(d.From)} – {E(d.To)} · {E(t["version"])} {d.Version}</p>");
        if (d.Correction is { } corr) b.Append($"<p class=\"remark\">{E(t["corrected"])} · {E(t["reason"])}: {E(corr.Reason)}</p>");
        if (versions.Count > 1)
            b.Append($"<p>{E(t["versions"])}: ").Append(string.Join(" · ", versions.Select(v =>
                $"<a href=\"/p/{E(c)}/statements/{E(v.Period)}?version={v.Version}{(t.IsEnglish ? "&lang=en" : "")}\">v{v.Version}</a>{(v.CorrectionReason is null ? "" : $" ({E(v.CorrectionReason)})")}"))).Append("</p>");

        b.Append("<div class=\"cards\">").Append(Card(t["opening"], Money(d.Bank.Opening))).Append(Card(t["receipts"], Money(d.Bank.Receipts)))
            .Append(Card(t["payments"], Money(d.Bank.Payments))).Append(Card(t["closing"], Money(d.Bank.Closing)))
            .Append(Card(t["surplus"], Money(d.Result.Surplus))).Append(Card(t["collectionRate"], Rate(d.Arrears.CollectionRateBasisPoints))).Append("</div>");

        var income = new List<(string, long)> { (t["fees"], d.Receipts.Fees) };
        income.AddRange(d.Receipts.PublicRevenue.Select(r => (N(r.Account, r.Name), r.Amount)));
        if (d.Receipts.Other != 0) income.Add((t["other"], d.Receipts.Other));
        b.Append($"<h2>{E(t["income"])}</h2>").Append(Charts.Bars(t["incomeBySource"], income))
            .Append(Table([t["line"], t["amount"]], income.Select(i => new[] { E(i.Item1), E(Money(i.Item2)) }), n));

        var spending = d.Payments.ByLine.Select(l => (N(l.Account, l.Name), l.Amount)).ToList();
        if (d.Payments.Other != 0) spending.Add((t["other"], d.Payments.Other));
        b.Append($"<h2>{E(t["expense"])}</h2>").Append(Charts.Bars(t["spendingByLine"], spending))
            .Append(Table([t["line"], t["amount"]], spending.Select(i => new[] { E(i.Item1), E(Money(i.Item2)) }), n));
        b.Append($"<h2>{E(t["items"])}</h2>").Append(Table([t["date"], t["payee"], t["amount"], t["line"], t["request"], t["voucher"]],
            d.Payments.Items.Select(i => new[]
            {
                E(i.Date), E(i.Payee), E(Money(i.Amount)), $"{E(i.Account)} {E(N(i.Account, i.AccountName))}", $"<a href=\"/p/{E(c)}/spending/{i.Request}{LangQuery(t)}\">#{i.Request}</a>",
                i.Voucher is null ? "" : $"<span class=\"hash\">{E(i.Voucher[..12])}</span>",
            }), new HashSet<int> { 2 }));

        b.Append($"<h2>{E(t["result"])}</h2>").Append(Table([t["line"], t["amount"]], new[]
        {
            new[] { E(t["income"]), E(Money(d.Result.Income)) }, new[] { E(t["expense"]), E(Money(d.Result.Expense)) },
            new[] { E(t["surplus"]), E(Money(d.Result.Surplus)) },
            new[] { $"{E(t["remuneration"])} · {E(t["accrued"])}", E(Money(d.Remuneration.Accrued)) },
            new[] { $"{E(t["remuneration"])} · {E(t["paid"])}", E(Money(d.Remuneration.Paid)) },
        }, n));

        if (d.Budget is { } budget)
        {
            b.Append($"<h2>{E(t["budget"])} · {budget.FiscalYear}</h2>");
            b.Append(Charts.Paired(t["budgetVsActual"], t["annual"], t["ytd"], budget.Lines.Select(l => (N(l.Account, l.Name), l.Annual, l.YearToDate)).ToList()));
            b.Append(Table([t["line"], t["annual"], t["thisPeriod"], t["ytd"], t["left"]], budget.Lines.Concat(budget.Income).Select(l => new[]
                { $"{E(l.Account)} {E(N(l.Account, l.Name))}", E(Money(l.Annual)), E(Money(l.Period)), E(Money(l.YearToDate)), E(Money(l.Left)) }), new HashSet<int> { 1, 2, 3, 4 }));
        }

        var a = d.Arrears;
        // Under three units in arrears the statement carries no count, amount or age split (ArrearsFigures.Publishable): the page says why.
        var arrearsRows = new List<string[]>();
        if (a.UnitsInArrears is { } count) arrearsRows.Add([E(t["unitsInArrears"]), count.ToString(CultureInfo.InvariantCulture)]);
        if (a.Amount is { } owed) arrearsRows.Add([E(t["arrearsAmount"]), E(Money(owed))]);
        arrearsRows.AddRange([[E(t["billed"]), E(Money(a.Billed))], [E(t["collected"]), E(Money(a.Collected))], [E(t["collectionRate"]), E(Rate(a.CollectionRateBasisPoints))]]);
        if (a.Buckets is { } buckets) arrearsRows.AddRange(ArrearsBuckets.Names.Select((name, i) => new[] { E(name), E(Money(buckets[i])) }));
        b.Append($"<h2>{E(t["arrears"])}</h2>");
        if (a.WithheldBelow is { } below)
            b.Append($"<p class=\"muted\">{E(string.Format(CultureInfo.InvariantCulture, t["arrearsWithheld"], below))}</p>");
        b.Append(Table([t["line"], t["amount"]], arrearsRows, n));
        if (a.Units is { Count: > 0 } units && units.Any(u => u.Amount is not null)) // as published before units were listed without amounts
            b.Append(Table([t["line"], t["arrearsAmount"]], units.Select(u => new[] { $"{E(u.Building)}-{E(u.Number)}", E(Money(u.Amount ?? 0)) }), n));
        else if (a.Units is { Count: > 0 } listed)
            b.Append($"<p>{E(t["unitsListed"])}{string.Join(t["listSeparator"], listed.Select(u => $"{E(u.Building)}-{E(u.Number)}"))}</p>");
        else if (a.Units is not null && a.UnitsInArrears > 0 && a.WithheldBelow is null)
            b.Append($"<p class=\"muted\">{E(string.Format(CultureInfo.InvariantCulture, t["unitsNotListed"], ArrearsUnitFigure.MinimumListed))}</p>");

        b.Append($"<h2>{E(t["payables"])}</h2>").Append(Table([t["line"], t["amount"]], new[]
        {
            new[] { E(t["prepayments"]), E(Money(d.Prepayments)) }, new[] { E(t["suppliers"]), E(Money(d.Payables.Suppliers)) },
            new[] { E(t["remuneration"]), E(Money(d.Payables.Remuneration)) }, new[] { E(t["deposits"]), E(Money(d.Payables.Deposits)) },
        }, n));
        b.Append($"<h2>{E(t["queries"])}</h2>").Append(Table([t["line"], t["amount"]], new[]
        {
            new[] { E(t["opened"]), d.Queries.Opened.ToString(CultureInfo.InvariantCulture) }, new[] { E(t["answered"]), d.Queries.Answered.ToString(CultureInfo.InvariantCulture) },
            new[] { E(t["openAtEnd"]), d.Queries.OpenAtEnd.ToString(CultureInfo.InvariantCulture) },
        }, n));
        b.Append(AccountabilityPages.StatementInquiries(t, d.Queries));
        b.Append($"<h2>{E(t["remarks"])}</h2>");
        if (d.Remarks.Count == 0) b.Append($"<p class=\"muted\">{E(t["noRemarks"])}</p>");
        foreach (var r in d.Remarks) b.Append($"<div class=\"remark\">{E(r.Text)} <span class=\"muted\">{E(r.At[..10])}</span></div>");

        b.Append($"<h2>{E(t["verification"])}</h2><p class=\"muted\">{E(t["verifyHelp"])}</p>").Append(Table([t["line"], t["value"]], new[]
        {
            new[] { E(t["seq"]), d.Seq.ToString(CultureInfo.InvariantCulture) }, new[] { E(t["chainHash"]), $"<span class=\"hash\">{E(d.ChainHash)}</span>" },
            new[] { E(t["hash"]), $"<span class=\"hash\">{E(s.Hash)}</span>" }, new[] { E(t["previousHash"]), $"<span class=\"hash\">{E(d.PreviousHash ?? "—")}</span>" },
        }));
        var v = s.Version == versions.LastOrDefault()?.Version ? "" : $"?version={s.Version}";
        b.Append($"<p>{E(t["downloads"])}: <a href=\"/p/{E(c)}/statements/{E(d.Period)}.json{v}\">JSON</a> · <a href=\"/p/{E(c)}/statements/{E(d.Period)}.csv{v}\">CSV</a> · ")
         .Append($"<a href=\"/p/{E(c)}/statements/{E(d.Period)}/datapackage.json\">Fiscal Data Package</a> · <a href=\"/p/{E(c)}/journal\">{E(t["journal"])}</a></p>");
        return b.ToString();
    }

    // ---------------------------------------------------------------- motions

    internal static Task<IResult> MotionPage(string c, long id, HttpContext http, CommunityBook communities, MotionBook motions,
        TimeProvider clock, IMemoryCache cache)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return NotFoundPage(http, t);
            var m = await motions.GetAsync(community.Id, id, clock.GetUtcNow());
            if (m is null) return NotFoundPage(http, t);
            if (m.Status != "closed" || m.Result is null) return (200, Page(t, m.Title, await DecisionPages.PendingMotionBodyAsync(http, community, m, t), SwitchHref(http, t)));
            var r = m.Result;
            var body = new StringBuilder($"<h1>{E(m.Title)}</h1><p class=\"muted\">{E(community.Name)} · {E(t["closedOn"])} {E(m.ClosesAt[..10])} · {E(DecisionPages.KindAndThreshold(t, m))}</p>");
            body.Append($"<p>{(r.Passed == true ? $"<span class=\"ok\">{E(t["passed"])}</span>" : $"<span class=\"bad\">{E(t["failed"])}</span>")} · ")
                .Append(E(r.QuorumMet == true ? t["quorum"] : t["noQuorum"])).Append("</p>");
            body.Append($"<div class=\"remark\">{E(m.Body)}</div>");
            static string A(Share s) => (s.Area / 100m).ToString("#,##0.00", CultureInfo.InvariantCulture);
            var totals = r.Totals;
            body.Append(Table([t["tally"], t["area"], t["headcount"]], new (string, Share)[]
            {
                (t["eligible"], totals.Eligible), (t["participating"], totals.Participating), (t["yes"], totals.Yes), (t["no"], totals.No), (t["abstain"], totals.Abstain),
            }.Select(x => new[] { E(x.Item1), A(x.Item2), x.Item2.Headcount.ToString(CultureInfo.InvariantCulture) }), new HashSet<int> { 1, 2 }));
            body.Append($"<h2>{E(t["receiptsList"])}</h2>").Append(Table([t["receiptsList"], t["choice"]],
                r.Receipts.Select(x => new[] { $"<span class=\"hash\">{E(x.ReceiptHash)}</span>", E(t[x.Choice]) })));
            body.Append(await DecisionPages.ClosedMotionExtrasAsync(http, community, m, t));
            return (200, Page(t, m.Title, body.ToString(), SwitchHref(http, t)));
        });
    }

    // ---------------------------------------------------------------- embed

    /// <summary>The compact page committees put in an iframe; only their own sites (embedOrigins) may frame it.</summary>
    internal static async Task<IResult> EmbedPage(string c, HttpContext http, CommunityBook communities, StatementBook statements,
        RegisterBook register, IMemoryCache cache)
    {
        var t = Texts.For(http);
        // The framing policy is cached like the page, so a cache hit costs no database work.
        var policyKey = "embed-policy:" + c;
        if (!cache.TryGetValue(policyKey, out string? policy)) policy = await cache.GetOrCreateAsync(policyKey, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            entry.Size = 256;
            var found = await communities.FindAsync(c);
            var origins = found is null ? [] : (await register.TrustTermsAsync(found.Id))?.Terms.EmbedOrigins ?? [];
            // Terms stored before origins were checked pass through the same check: only well-formed ASCII origins reach the header.
            var allowed = origins.Select(o => EmbedOrigin.TryNormalize(o, out var n, out _) ? n : null).OfType<string>().Distinct().ToList();
            return SecurityHeaders.StrictCsp + "; frame-ancestors " + (allowed.Count == 0 ? "'none'" : string.Join(' ', allowed));
        });
        http.Response.Headers.ContentSecurityPolicy = policy;
        return await Serve(http, cache, HtmlType, policyKey: policyKey, render: async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return NotFoundPage(http, t);
            var latest = (await statements.ListAsync(community.Id, includeDrafts: false)).Where(s => s.Kind == "month")
                .OrderBy(s => s.Period, StringComparer.Ordinal).ThenBy(s => s.Version).LastOrDefault();
            var body = new StringBuilder($"<h1>{E(community.Name)}</h1>");
            if (latest is null) body.Append($"<p>{E(t["noStatements"])}</p>");
            else
            {
                var d = latest.Doc;
                body.Append($"<p class=\"muted\">{E(t["latest"])} · {E(d.Period)}</p><div class=\"cards\">")
                    .Append(Card(t["closing"], Money(d.Bank.Closing))).Append(Card(t["receipts"], Money(d.Receipts.Total)))
                    .Append(Card(t["payments"], Money(d.Payments.Total))).Append(Card(t["collectionRate"], Rate(d.Arrears.CollectionRateBasisPoints))).Append("</div>");
            }
            body.Append($"<p><a href=\"/p/{E(c)}{LangQuery(t)}\" target=\"_blank\" rel=\"noopener\">{E(t["details"])} →</a></p>");
            return (200, Page(t, community.Name, body.ToString(), SwitchHref(http, t)));
        });
    }
}
