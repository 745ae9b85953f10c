using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Caching.Memory;
using static Ledger.Api.Public.Html;

namespace Ledger.Api.Public;

/// <summary>
/// What owners and the public read without logging in. Rendered on the server, cached briefly in
/// memory (published statements never change), answered with ETags so repeat visits get 304.
/// </summary>
public static class PublicEndpoints
{
    public const string StrictCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapPublicPages(this IEndpointRouteBuilder app)
    {
        var p = app.MapGroup("/p/{c}").AllowAnonymous().WithTags("Public");
        p.MapGet("/", CommunityPage).Produces<string>(200, "text/html");
        p.MapGet("/statements.json", StatementIndex).Produces<JsonObject>();
        p.MapGet("/statements/{period}.json", StatementJson).Produces<JsonObject>();
        p.MapGet("/statements/{period}.csv", StatementCsv).Produces<string>(200, "text/csv");
        p.MapGet("/statements/{period}/datapackage.json", DataPackage).Produces<JsonObject>();
        p.MapGet("/statements/{period}/data.csv", DataPackageCsv).Produces<string>(200, "text/csv");
        p.MapGet("/statements/{period}/statement.json", StatementJson).Produces<JsonObject>();
        p.MapGet("/statements/{period}", StatementPage).Produces<string>(200, "text/html");
        p.MapGet("/journal", JournalFeed).Produces<Infrastructure.Page<JournalFeedItem>>();
        p.MapGet("/motions/{id:long}", MotionPage).Produces<string>(200, "text/html");
        app.MapGet("/embed/{c}/latest", EmbedPage).AllowAnonymous().WithTags("Public").Produces<string>(200, "text/html");
        return app;
    }

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

    private static string KindName(Texts t, string kind) => t[kind];

    // ---------------------------------------------------------------- community page

    private static Task<IResult> CommunityPage(string c, HttpContext http, CommunityBook communities, StatementBook statements,
        MotionBook motions, IdentityBook identity, IMemoryCache cache, TimeProvider clock, BankBook bank)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return NotFoundPage(t);
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

    // ---------------------------------------------------------------- statements

    private static async Task<(CommunityInfo? Community, StatementRecord? Statement, IReadOnlyList<StatementRecord> Versions)> FindStatementAsync(
        string c, string period, int? version, CommunityBook communities, StatementBook statements)
    {
        var community = await communities.FindAsync(c);
        if (community is null) return (null, null, []);
        var versions = (await statements.ListAsync(community.Id, includeDrafts: false)).Where(s => s.Period == period).OrderBy(s => s.Version).ToList();
        var match = version is null ? versions.LastOrDefault() : versions.FirstOrDefault(s => s.Version == version);
        return (community, match, versions);
    }

    private static Task<IResult> StatementPage(string c, string period, int? version, HttpContext http, CommunityBook communities,
        StatementBook statements, IMemoryCache cache, Journal journal, BankBook bank)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var (community, s, versions) = await FindStatementAsync(c, period, version, communities, statements);
            if (community is null || s is null) return NotFoundPage(t);
            var english = new Dictionary<string, string>();
            if (t.IsEnglish)
            {
                english = (await journal.ChartAsync(community.Id)).ToDictionary(a => a.Key, a => a.Value.NameEn);
            }
            var reconciliations = s.Kind == "month" ? await ReconciliationPages.StatementLinksAsync(t, c, community, s.Period, bank) : "";
            return (200, Page(t, $"{community.Name} · {s.Period}", RenderStatement(t, c, community, s, versions, english) + reconciliations, SwitchHref(http, t) + (version is null ? "" : $"{(t.IsEnglish ? "?" : "&")}version={version}")));
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
        b.Append($"<h2>{E(t["arrears"])}</h2>").Append(Table([t["line"], t["amount"]], new[]
        {
            new[] { E(t["unitsInArrears"]), a.UnitsInArrears.ToString(CultureInfo.InvariantCulture) }, new[] { E(t["arrearsAmount"]), E(Money(a.Amount)) },
            new[] { E(t["billed"]), E(Money(a.Billed)) }, new[] { E(t["collected"]), E(Money(a.Collected)) },
            new[] { E(t["collectionRate"]), E(Rate(a.CollectionRateBasisPoints)) },
        }.Concat(ArrearsBuckets.Names.Select((name, i) => new[] { E(name), E(Money(a.Buckets[i])) })), n));
        if (a.Units is { Count: > 0 } units)
            b.Append(Table([t["line"], t["arrearsAmount"]], units.Select(u => new[] { $"{E(u.Building)}-{E(u.Number)}", E(Money(u.Amount)) }), n));

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

    /// <summary>Every published statement version, oldest first: what a verifier walks.</summary>
    private static Task<IResult> StatementIndex(string c, HttpContext http, CommunityBook communities, StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "application/json; charset=utf-8", async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return (404, """{"code":"not_found"}""");
            var items = new JsonArray((await statements.ListAsync(community.Id, includeDrafts: false)).Select(s => (JsonNode)new JsonObject
            {
                ["period"] = s.Period, ["kind"] = s.Kind, ["version"] = s.Version, ["hash"] = s.Hash, ["seq"] = s.Seq, ["chainHash"] = s.ChainHash,
                ["url"] = $"/p/{c}/statements/{s.Period}.json?version={s.Version}",
            }).ToArray());
            return (200, new JsonObject { ["community"] = c, ["items"] = items }.ToJsonString());
        });

    private static Task<IResult> StatementJson(string c, string period, int? version, HttpContext http, CommunityBook communities,
        StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "application/json; charset=utf-8", async () =>
        {
            var (_, s, _) = await FindStatementAsync(c, period, version, communities, statements);
            // The canonical (RFC 8785) bytes of the statement with its hash: what anyone re-hashes.
            return s is null ? (404, """{"code":"not_found"}""") : (200, CanonicalJson.Serialize(s.ToJson()));
        });

    /// <summary>The statement as rows: UTF-8 with a BOM so spreadsheet programs show Chinese.</summary>
    private static Task<IResult> StatementCsv(string c, string period, int? version, HttpContext http, CommunityBook communities,
        StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "text/csv; charset=utf-8", async () =>
        {
            var (_, s, _) = await FindStatementAsync(c, period, version, communities, statements);
            if (s is null) return (404, "not found\n");
            var d = s.Doc;
            // Each column holds one kind of value: money only in amount_fen and amount_yuan; the chain position
            // and the hashes that verify the statement have their own columns, on rows with no amount.
            var csv = new StringBuilder("section,item,account,date,payee,request,amount_fen,amount_yuan,seq,hash\n");
            void Line(string section, string item, string account, long? amount, string date = "", string payee = "", long? request = null,
                long? seq = null, string hash = "") =>
                csv.Append(string.Join(',', new[] { section, item, account, date, payee, request?.ToString(CultureInfo.InvariantCulture) ?? "",
                    amount?.ToString(CultureInfo.InvariantCulture) ?? "", amount is { } a ? (a / 100m).ToString("0.00", CultureInfo.InvariantCulture) : "",
                    seq?.ToString(CultureInfo.InvariantCulture) ?? "", hash }.Select(Quote))).Append('\n');
            void Row(string section, string item, string account, long amount) => Line(section, item, account, amount);
            Row("bank", "opening", "1002", d.Bank.Opening); Row("bank", "receipts", "1002", d.Bank.Receipts);
            Row("bank", "payments", "1002", d.Bank.Payments); Row("bank", "closing", "1002", d.Bank.Closing);
            Row("receipts", "fees", "5101", d.Receipts.Fees);
            foreach (var r in d.Receipts.PublicRevenue) Row("receipts", r.Name, r.Account, r.Amount);
            Row("receipts", "other", "", d.Receipts.Other);
            foreach (var l in d.Payments.ByLine) Row("payments", l.Name, l.Account, l.Amount);
            Row("payments", "other", "", d.Payments.Other);
            foreach (var i in d.Payments.Items) Line("payment", i.AccountName, i.Account, i.Amount, i.Date, i.Payee, i.Request);
            Row("result", "income", "", d.Result.Income); Row("result", "expense", "", d.Result.Expense); Row("result", "surplus", "", d.Result.Surplus);
            Row("remuneration", "accrued", "6201", d.Remuneration.Accrued); Row("remuneration", "paid", "2211", d.Remuneration.Paid);
            if (d.Budget is { } budget)
                foreach (var l in budget.Lines)
                {
                    Row("budget", "annual", l.Account, l.Annual); Row("budget", "period", l.Account, l.Period);
                    Row("budget", "year_to_date", l.Account, l.YearToDate); Row("budget", "left", l.Account, l.Left);
                }
            Row("arrears", "amount", "1122", d.Arrears.Amount); Row("arrears", "billed", "", d.Arrears.Billed); Row("arrears", "collected", "", d.Arrears.Collected);
            Row("prepayments", "balance", "2203", d.Prepayments);
            Row("payables", "suppliers", "2202", d.Payables.Suppliers); Row("payables", "remuneration", "2211", d.Payables.Remuneration); Row("payables", "deposits", "2241", d.Payables.Deposits);
            Line("verification", "chain_hash", "", null, seq: d.Seq, hash: d.ChainHash);
            if (d.PreviousHash is { } previous) Line("verification", "previous_hash", "", null, hash: previous);
            Line("verification", "statement_hash", "", null, hash: s.Hash);
            return (200, csv.ToString());
        }, bom: true);

    private static string Quote(string value) => CsvCell.Format(value);

    /// <summary>
    /// A Fiscal Data Package descriptor for open-data tools: one tabular CSV resource of revenue and
    /// expenditure lines, the fiscal model over it, and the statement it came from beside it.
    /// </summary>
    private static Task<IResult> DataPackage(string c, string period, HttpContext http, CommunityBook communities, StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "application/json; charset=utf-8", async () =>
        {
            var (community, s, _) = await FindStatementAsync(c, period, null, communities, statements);
            if (community is null || s is null) return (404, """{"code":"not_found"}""");
            var descriptor = new JsonObject
            {
                // A Fiscal Data Package is a Tabular Data Package with a fiscal model; frictionless' own FDP
                // schema requires this profile name (it refuses "fiscal-data-package"), so readers validate it.
                ["profile"] = "tabular-data-package",
                ["name"] = $"{c}-{period}".ToLowerInvariant(),
                ["title"] = $"{community.Name} {period}",
                ["version"] = s.Version.ToString(CultureInfo.InvariantCulture),
                // A source's path is a URL or a path relative to the descriptor: the statement sits beside it.
                ["sources"] = new JsonArray(new JsonObject { ["title"] = $"Statement {period} v{s.Version}, SHA-256 {s.Hash}", ["path"] = "statement.json" }),
                ["resources"] = new JsonArray(new JsonObject
                {
                    ["name"] = "flows", ["profile"] = "tabular-data-resource", ["path"] = "data.csv", ["format"] = "csv", ["mediatype"] = "text/csv", ["encoding"] = "utf-8",
                    ["schema"] = new JsonObject
                    {
                        ["fields"] = new JsonArray(
                            Field("date", "date"), Field("direction", "string"), Field("account_code", "string"), Field("account_name", "string"),
                            Field("payee", "string"), Field("amount", "number"), Field("period", "string")),
                    },
                }),
                ["model"] = new JsonObject
                {
                    ["measures"] = new JsonObject { ["amount"] = new JsonObject { ["source"] = "amount", ["currency"] = "CNY" } },
                    ["dimensions"] = new JsonObject
                    {
                        ["date"] = Dimension("datetime", "date"), ["direction"] = Dimension("classification", "direction"),
                        ["account"] = new JsonObject { ["dimensionType"] = "classification", ["primaryKey"] = "account_code",
                            ["attributes"] = new JsonObject { ["account_code"] = new JsonObject { ["source"] = "account_code" }, ["account_name"] = new JsonObject { ["source"] = "account_name" } } },
                        ["payee"] = Dimension("entity", "payee"), ["period"] = Dimension("datetime", "period"),
                    },
                },
            };
            return (200, descriptor.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        });

    private static JsonObject Field(string name, string type) => new() { ["name"] = name, ["type"] = type };

    private static JsonObject Dimension(string type, string source) => new()
    {
        ["dimensionType"] = type, ["primaryKey"] = source, ["attributes"] = new JsonObject { [source] = new JsonObject { ["source"] = source } },
    };

    private static Task<IResult> DataPackageCsv(string c, string period, HttpContext http, CommunityBook communities, StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "text/csv; charset=utf-8", async () =>
        {
            var (_, s, _) = await FindStatementAsync(c, period, null, communities, statements);
            if (s is null) return (404, "not found\n");
            var d = s.Doc;
            var csv = new StringBuilder("date,direction,account_code,account_name,payee,amount,period\n");
            void Row(string date, string direction, string code, string name, string payee, long fen) => csv.Append(string.Join(',',
                new[] { date, direction, code, name, payee, (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture), d.Period }.Select(Quote))).Append('\n');
            var end = Month.Parse(d.To).LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            Row(end, "revenue", "5101", "物业服务费收入", "", d.Receipts.Fees);
            foreach (var r in d.Receipts.PublicRevenue) Row(end, "revenue", r.Account, r.Name, "", r.Amount);
            foreach (var i in d.Payments.Items) Row(i.Date, "expenditure", i.Account, i.AccountName, i.Payee, i.Amount);
            if (d.Payments.Other != 0) Row(end, "expenditure", "", "other", "", d.Payments.Other);
            // No byte-order mark: the descriptor says utf-8, and readers would take one for part of the first column's name.
            return (200, csv.ToString());
        });

    // ---------------------------------------------------------------- verification feed

    /// <summary>
    /// Every entry's sequence, entry hash and chain hash; the full entry where it carries no personal
    /// data (a line naming a unit makes it owner-specific: hash only).
    /// </summary>
    private static async Task<IResult> JournalFeed(string c, int? limit, string? after, CommunityBook communities, Journal journal)
    {
        if (!Infrastructure.Paging.TryRead(limit, after, out var take, out var afterSeq, out var problem)) return problem!;
        var community = await communities.FindAsync(c);
        if (community is null) return Infrastructure.Problems.NotFound("The community");
        var entries = await journal.AfterAsync(community, afterSeq, take);
        var items = entries.Select(e => new JournalFeedItem(e.Entry.Seq, e.EntryHash, e.ChainHash, e.Entry.IsPersonal ? null : e.Entry.ToCanonicalObject())).ToList();
        return TypedResults.Ok(new Infrastructure.Page<JournalFeedItem>(items, items.Count == take ? items[^1].Seq.ToString(CultureInfo.InvariantCulture) : null));
    }

    public sealed record JournalFeedItem(long Seq, string EntryHash, string ChainHash, JsonObject? Entry);

    // ---------------------------------------------------------------- motions

    private static Task<IResult> MotionPage(string c, long id, HttpContext http, CommunityBook communities, MotionBook motions,
        TimeProvider clock, IMemoryCache cache)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return NotFoundPage(t);
            var m = await motions.GetAsync(community.Id, id, clock.GetUtcNow());
            if (m is null) return NotFoundPage(t);
            if (m.Status != "closed" || m.Result is null) return (200, Page(t, m.Title, await DecisionPages.PendingMotionBodyAsync(http, community, m, t), SwitchHref(http, t)));
            var r = m.Result;
            var body = new StringBuilder($"<h1>{E(m.Title)}</h1><p class=\"muted\">{E(community.Name)} · {E(t["closedOn"])} {E(m.ClosesAt[..10])} · {E(m.Kind)} · {E(m.Threshold)}</p>");
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
    private static async Task<IResult> EmbedPage(string c, HttpContext http, CommunityBook communities, StatementBook statements,
        RegisterBook register, IMemoryCache cache)
    {
        var t = Texts.For(http);
        // The framing policy is cached like the page, so a cache hit costs no database work.
        var policy = await cache.GetOrCreateAsync($"embed-policy:{c}", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            entry.Size = 256;
            var found = await communities.FindAsync(c);
            var origins = found is null ? [] : (await register.TrustTermsAsync(found.Id))?.Terms.EmbedOrigins ?? [];
            // Terms stored before origins were checked pass through the same check: only well-formed ASCII origins reach the header.
            var allowed = origins.Select(o => EmbedOrigin.TryNormalize(o, out var n, out _) ? n : null).OfType<string>().Distinct().ToList();
            return StrictCsp + "; frame-ancestors " + (allowed.Count == 0 ? "'none'" : string.Join(' ', allowed));
        });
        http.Response.Headers.ContentSecurityPolicy = policy;
        return await Serve(http, cache, HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return NotFoundPage(t);
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
