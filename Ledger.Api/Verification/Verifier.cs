using System.Globalization;
using System.Text.Json.Nodes;
using Ledger.Domain.Model;

namespace Ledger.Api.Verification;

public sealed record VerificationReport(bool Ok, long Entries, int Statements, IReadOnlyList<string> Problems);

/// <summary>
/// What anyone can do with the public pages alone (DESIGN.md section 6): walk the journal feed,
/// recompute each public entry's hash from its RFC 8785 form and the whole chain from 32 zero bytes;
/// then, for every published statement, recompute its hash, find its chain hash at its sequence
/// number, check it names the statement before it, and re-add the figures the public entries carry
/// (cash paid out, public revenue, remuneration, every listed payment). A changed byte anywhere fails.
/// </summary>
public static class Verifier
{
    private sealed class MonthFigures
    {
        public long BankCredits;
        public long Remuneration;
        public readonly Dictionary<string, long> Revenue = new(StringComparer.Ordinal);
    }

    public static async Task<VerificationReport> VerifyAsync(HttpClient http, string communityUrl, CancellationToken ct = default)
    {
        var problems = new List<string>();
        var baseUrl = communityUrl.TrimEnd('/');
        var index = await GetJsonAsync(http, $"{baseUrl}/statements.json", ct);
        var statements = index["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
        var wanted = statements.Select(s => s["seq"]!.GetValue<long>()).ToHashSet();
        var chainAt = new Dictionary<long, string> { [0] = HashChain.Genesis };
        var months = new Dictionary<string, MonthFigures>(StringComparer.Ordinal);
        var payouts = new Dictionary<long, JsonObject>();

        var chain = HashChain.Genesis;
        long expected = 1, after = 0;
        while (true)
        {
            var page = await GetJsonAsync(http, $"{baseUrl}/journal?after={after}&limit=500", ct);
            var items = page["items"]!.AsArray();
            foreach (var node in items)
            {
                var item = node!.AsObject();
                var seq = item["seq"]!.GetValue<long>();
                var entryHash = item["entryHash"]!.GetValue<string>();
                if (seq != expected) problems.Add($"sequence: expected entry {expected}, the feed has {seq}");
                if (item["entry"] is JsonObject entry)
                {
                    var recomputed = CanonicalJson.Sha256Hex(entry);
                    if (recomputed != entryHash) problems.Add($"entry {seq}: its content hashes to {recomputed}, the feed says {entryHash}");
                    if (entry["seq"]?.GetValue<long>() != seq) problems.Add($"entry {seq}: the content names sequence {entry["seq"]}");
                    Collect(entry, seq, months, payouts);
                }
                chain = HashChain.Next(chain, entryHash);
                if (chain != item["chainHash"]!.GetValue<string>()) problems.Add($"entry {seq}: chain hash {item["chainHash"]} does not follow; recomputed {chain}");
                if (wanted.Contains(seq)) chainAt[seq] = chain;
                expected = seq + 1;
            }
            if (page["next"] is not JsonValue next) break;
            after = long.Parse(next.GetValue<string>(), CultureInfo.InvariantCulture);
        }

        var publishedHash = new Dictionary<string, string>(StringComparer.Ordinal);
        var closingOf = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in statements.OrderBy(s => s["kind"]!.GetValue<string>() == "month" ? 0 : 1).ThenBy(s => s["period"]!.GetValue<string>(), StringComparer.Ordinal)
                     .ThenBy(s => s["version"]!.GetValue<int>()))
        {
            var url = new Uri(new Uri(baseUrl + "/"), s["url"]!.GetValue<string>()).ToString();
            var doc = await GetJsonAsync(http, url, ct);
            var period = doc["period"]!.GetValue<string>();
            var name = $"statement {period} v{doc["version"]}";
            var hash = doc["hash"]?.GetValue<string>();
            if (FrozenStatement.HashOfPublished(doc) != hash) problems.Add($"{name}: its content does not hash to its published hash {hash}");
            if (hash != s["hash"]!.GetValue<string>()) problems.Add($"{name}: the index lists hash {s["hash"]}, the statement says {hash}");
            var seq = doc["seq"]!.GetValue<long>();
            if (!chainAt.TryGetValue(seq, out var atSeq)) problems.Add($"{name}: the journal has no entry {seq}");
            else if (atSeq != doc["chainHash"]!.GetValue<string>()) problems.Add($"{name}: chain hash at entry {seq} is {atSeq}, the statement says {doc["chainHash"]}");

            var kind = doc["kind"]!.GetValue<string>();
            var from = Month.Parse(doc["from"]!.GetValue<string>());
            var to = Month.Parse(doc["to"]!.GetValue<string>());
            var previousKey = kind == "month" ? from.Previous.ToString() : null;
            if (previousKey is not null && publishedHash.TryGetValue(previousKey, out var previous) && doc["previousHash"]?.GetValue<string>() != previous)
                problems.Add($"{name}: names previous hash {doc["previousHash"]}, but {previousKey} was published as {previous}");

            var figures = Enumerable.Range(0, 12 * (to.Year - from.Year) + to.Number - from.Number + 1)
                .Select(i => months.GetValueOrDefault(Month.Of(from.FirstDay.AddMonths(i)).ToString()) ?? new MonthFigures()).ToList();
            Expect(problems, name, "payments.total", doc["payments"]!["total"]!.GetValue<long>(), figures.Sum(f => f.BankCredits));
            Expect(problems, name, "remuneration.accrued", doc["remuneration"]!["accrued"]!.GetValue<long>(), figures.Sum(f => f.Remuneration));
            foreach (var r in doc["receipts"]!["publicRevenue"]!.AsArray())
            {
                var account = r!["account"]!.GetValue<string>();
                Expect(problems, name, $"receipts.publicRevenue {account}", r["amount"]!.GetValue<long>(), figures.Sum(f => f.Revenue.GetValueOrDefault(account)));
            }
            foreach (var p in doc["payments"]!["items"]!.AsArray())
            {
                var paidSeq = p!["seq"]!.GetValue<long>();
                var amount = p["amount"]!.GetValue<long>();
                if (!payouts.TryGetValue(paidSeq, out var paid)) { problems.Add($"{name}: payment entry {paidSeq} is not a public payout"); continue; }
                var debit = paid["lines"]!.AsArray().FirstOrDefault(l => l!["debit"] is not null);
                if (debit?["account"]?.GetValue<string>() != p["account"]!.GetValue<string>() || debit?["debit"]?.GetValue<long>() != amount)
                    problems.Add($"{name}: payment entry {paidSeq} does not match the listed payment of {amount} to {p["account"]}");
            }
            var bank = doc["bank"]!;
            Expect(problems, name, "bank.closing", bank["closing"]!.GetValue<long>(),
                bank["opening"]!.GetValue<long>() + bank["receipts"]!.GetValue<long>() - bank["payments"]!.GetValue<long>());
            if (kind == "month")
            {
                if (closingOf.TryGetValue(from.Previous.ToString(), out var priorClosing))
                    Expect(problems, name, "bank.opening", bank["opening"]!.GetValue<long>(), priorClosing);
                closingOf[period] = bank["closing"]!.GetValue<long>();
                publishedHash[period] = hash ?? "";
            }
        }
        return new VerificationReport(problems.Count == 0, expected - 1, statements.Count, problems);
    }

    /// <summary>
    /// An owner's check of their own hidden entries: each item of <c>GET …/units/{u}/entries</c> (the
    /// feed's shape, <c>entry</c> with its salt) must hash to its <c>entryHash</c>, name its sequence, and
    /// be the very hash the public feed publishes at that sequence. Run after <see cref="VerifyAsync"/>,
    /// which checks the public chain those hashes sit in.
    /// </summary>
    public static async Task<VerificationReport> VerifyUnitAsync(HttpClient http, string communityUrl, string unitEntriesUrl, string? token, CancellationToken ct = default)
    {
        var problems = new List<string>();
        var baseUrl = communityUrl.TrimEnd('/');
        long count = 0;
        string? after = null;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, unitEntriesUrl + (unitEntriesUrl.Contains('?') ? "&" : "?") + "limit=500" + (after is null ? "" : $"&after={after}"));
            if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {request.RequestUri}: {(int)response.StatusCode}");
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
            foreach (var node in page["items"]!.AsArray())
            {
                count++;
                var seq = node!["seq"]!.GetValue<long>();
                var entryHash = node["entryHash"]!.GetValue<string>();
                if (node["entry"] is not JsonObject entry) { problems.Add($"entry {seq}: no content"); continue; }
                var recomputed = CanonicalJson.Sha256Hex(entry);
                if (recomputed != entryHash) problems.Add($"entry {seq}: its content hashes to {recomputed}, the answer says {entryHash}");
                if (entry["seq"]?.GetValue<long>() != seq) problems.Add($"entry {seq}: the content names sequence {entry["seq"]}");
                var published = (await GetJsonAsync(http, $"{baseUrl}/journal?after={seq - 1}&limit=1", ct))["items"]!.AsArray().FirstOrDefault();
                if (published?["seq"]?.GetValue<long>() != seq) problems.Add($"entry {seq}: the public feed has no entry {seq}");
                else if (published["entryHash"]!.GetValue<string>() != recomputed)
                    problems.Add($"entry {seq}: the public feed publishes {published["entryHash"]}, your entry hashes to {recomputed}");
            }
            after = page["next"] is JsonValue next ? next.GetValue<string>() : null;
        } while (after is not null);
        return new VerificationReport(problems.Count == 0, count, 0, problems);
    }

    private static void Collect(JsonObject entry, long seq, Dictionary<string, MonthFigures> months, Dictionary<long, JsonObject> payouts)
    {
        var month = entry["date"]!.GetValue<string>()[..7];
        if (!months.TryGetValue(month, out var f)) months[month] = f = new MonthFigures();
        foreach (var line in entry["lines"]!.AsArray())
        {
            var account = line!["account"]!.GetValue<string>();
            var debit = line["debit"]?.GetValue<long>() ?? 0;
            var credit = line["credit"]?.GetValue<long>() ?? 0;
            if (account == AccountCodes.Bank && credit > 0) { f.BankCredits += credit; payouts[seq] = entry; }
            if (account == AccountCodes.RemunerationExpense) f.Remuneration += debit - credit;
            if (AccountCodes.IsPublicRevenue(account)) f.Revenue[account] = f.Revenue.GetValueOrDefault(account) + credit - debit;
        }
    }

    private static void Expect(List<string> problems, string name, string figure, long published, long recomputed)
    {
        if (published != recomputed) problems.Add($"{name}: {figure} is {published}, the public entries add up to {recomputed}");
    }

    private static async Task<JsonObject> GetJsonAsync(HttpClient http, string url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {url}: {(int)response.StatusCode}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
    }

    /// <summary>
    /// <c>dotnet run --project Ledger.Api -- verify http://host/p/community [--unit http://host/api/v1/communities/c/units/u/entries]</c>:
    /// prints the verdict, exits 0 when everything checks out. With <c>--unit</c> (and the owner's bearer token in
    /// <c>LEDGER_TOKEN</c>) it also checks that unit's hidden entries against the public feed.
    /// </summary>
    public static async Task<int> RunCliAsync(string url, string? unitEntriesUrl = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        try
        {
            var report = await VerifyAsync(http, url);
            Console.WriteLine($"{url}: {report.Entries} entries, {report.Statements} published statements checked.");
            if (unitEntriesUrl is not null)
            {
                var unit = await VerifyUnitAsync(http, url, unitEntriesUrl, Environment.GetEnvironmentVariable("LEDGER_TOKEN"));
                Console.WriteLine($"{unitEntriesUrl}: {unit.Entries} of your entries checked against the public feed.");
                report = report with { Ok = report.Ok && unit.Ok, Problems = [.. report.Problems, .. unit.Problems] };
            }
            foreach (var p in report.Problems) Console.WriteLine($"  FAIL {p}");
            Console.WriteLine(report.Ok ? "OK: the chain and every published statement verify." : $"FAILED: {report.Problems.Count} problem(s).");
            return report.Ok ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"verify: {e.Message}");
            return 2;
        }
    }
}
