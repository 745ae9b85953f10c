using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Caching.Memory;
using static Ledger.Api.Public.PublicEndpoints;

namespace Ledger.Api.Public;

/// <summary>
/// The open-data downloads: the statement index, each statement as canonical JSON and as CSV, its Fiscal
/// Data Package, and the journal's verification feed.
/// </summary>
public static class OpenData
{
    /// <summary>Every published statement version, oldest first: what a verifier walks.</summary>
    internal static Task<IResult> StatementIndex(string c, HttpContext http, CommunityBook communities, StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "application/json; charset=utf-8", async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return (404, "");
            var items = new JsonArray((await statements.ListAsync(community.Id, includeDrafts: false)).Select(s => (JsonNode)new JsonObject
            {
                ["period"] = s.Period, ["kind"] = s.Kind, ["version"] = s.Version, ["hash"] = s.Hash, ["seq"] = s.Seq, ["chainHash"] = s.ChainHash,
                ["url"] = $"/p/{c}/statements/{s.Period}.json?version={s.Version}",
            }).ToArray());
            return (200, new JsonObject { ["community"] = c, ["items"] = items }.ToJsonString());
        });

    internal static Task<IResult> StatementJson(string c, string period, int? version, HttpContext http, CommunityBook communities,
        StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "application/json; charset=utf-8", async () =>
        {
            var (_, s, _) = await FindStatementAsync(c, period, version, communities, statements);
            // The canonical (RFC 8785) bytes of the statement with its hash: what anyone re-hashes.
            return s is null ? (404, "") : (200, CanonicalJson.Serialize(s.ToJson()));
        });

    /// <summary>The statement as rows: UTF-8 with a BOM so spreadsheet programs show Chinese.</summary>
    internal static Task<IResult> StatementCsv(string c, string period, int? version, HttpContext http, CommunityBook communities,
        StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "text/csv; charset=utf-8", async () =>
        {
            var (_, s, _) = await FindStatementAsync(c, period, version, communities, statements);
            if (s is null) return (404, "");
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
            Row("bank", "opening", AccountCodes.Bank, d.Bank.Opening); Row("bank", "receipts", AccountCodes.Bank, d.Bank.Receipts);
            Row("bank", "payments", AccountCodes.Bank, d.Bank.Payments); Row("bank", "closing", AccountCodes.Bank, d.Bank.Closing);
            Row("receipts", "fees", AccountCodes.FeeIncome, d.Receipts.Fees);
            foreach (var r in d.Receipts.PublicRevenue) Row("receipts", r.Name, r.Account, r.Amount);
            Row("receipts", "other", "", d.Receipts.Other);
            foreach (var l in d.Payments.ByLine) Row("payments", l.Name, l.Account, l.Amount);
            Row("payments", "other", "", d.Payments.Other);
            foreach (var i in d.Payments.Items) Line("payment", i.AccountName, i.Account, i.Amount, i.Date, i.Payee, i.Request);
            Row("result", "income", "", d.Result.Income); Row("result", "expense", "", d.Result.Expense); Row("result", "surplus", "", d.Result.Surplus);
            Row("remuneration", "accrued", AccountCodes.RemunerationExpense, d.Remuneration.Accrued); Row("remuneration", "paid", AccountCodes.RemunerationPayable, d.Remuneration.Paid);
            if (d.Budget is { } budget)
                foreach (var l in budget.Lines)
                {
                    Row("budget", "annual", l.Account, l.Annual); Row("budget", "period", l.Account, l.Period);
                    Row("budget", "year_to_date", l.Account, l.YearToDate); Row("budget", "left", l.Account, l.Left);
                }
            // Withheld under three units in arrears (ArrearsFigures.Publishable): no amount row then.
            if (d.Arrears.Amount is { } owed) Row("arrears", "amount", AccountCodes.Receivable, owed);
            Row("arrears", "billed", "", d.Arrears.Billed); Row("arrears", "collected", "", d.Arrears.Collected);
            Row("prepayments", "balance", AccountCodes.Prepaid, d.Prepayments);
            Row("payables", "suppliers", AccountCodes.SupplierPayables, d.Payables.Suppliers); Row("payables", "remuneration", AccountCodes.RemunerationPayable, d.Payables.Remuneration);
            Row("payables", "deposits", AccountCodes.Deposits, d.Payables.Deposits);
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
    internal static Task<IResult> DataPackage(string c, string period, HttpContext http, CommunityBook communities, StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "application/json; charset=utf-8", async () =>
        {
            var (community, s, _) = await FindStatementAsync(c, period, null, communities, statements);
            if (community is null || s is null) return (404, "");
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

    internal static Task<IResult> DataPackageCsv(string c, string period, HttpContext http, CommunityBook communities, StatementBook statements, IMemoryCache cache) =>
        Serve(http, cache, "text/csv; charset=utf-8", async () =>
        {
            var (_, s, _) = await FindStatementAsync(c, period, null, communities, statements);
            if (s is null) return (404, "");
            var d = s.Doc;
            var csv = new StringBuilder("date,direction,account_code,account_name,payee,amount,period\n");
            void Row(string date, string direction, string code, string name, string payee, long fen) => csv.Append(string.Join(',',
                new[] { date, direction, code, name, payee, (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture), d.Period }.Select(Quote))).Append('\n');
            var end = Month.Parse(d.To).LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            Row(end, "revenue", AccountCodes.FeeIncome, "物业服务费收入", "", d.Receipts.Fees);
            foreach (var r in d.Receipts.PublicRevenue) Row(end, "revenue", r.Account, r.Name, "", r.Amount);
            // Cash in that is neither an owner's payment nor public revenue (a deposit taken, a manual entry into the bank): the statement counts it in its
            // receipts, so the revenue rows add up to receipts.total as the expenditure rows add up to payments.total.
            if (d.Receipts.Other != 0) Row(end, "revenue", "", "other", "", d.Receipts.Other);
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
    internal static async Task<IResult> JournalFeed(string c, int? limit, string? after, HttpContext http, CommunityBook communities, Journal journal)
    {
        if (!Infrastructure.Paging.TryRead(limit, after, out var take, out var afterSeq, out var problem)) return problem!;
        var community = await communities.FindAsync(c);
        if (community is null) return Infrastructure.Problems.NotFound("The community");
        var entries = await journal.AfterAsync(community, afterSeq, take + 1);
        PublicEndpoints.CachePublicly(http);
        return TypedResults.Ok(Infrastructure.Paging.Of(entries, take, e => e.Entry.Seq,
            e => new JournalFeedItem(e.Entry.Seq, e.EntryHash, e.ChainHash, e.Entry.IsPersonal ? null : e.Entry.ToCanonicalObject())));
    }

    public sealed record JournalFeedItem(long Seq, string EntryHash, string ChainHash, JsonObject? Entry);
}
