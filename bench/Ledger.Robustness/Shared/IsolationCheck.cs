using System.Globalization;
using System.Text.Json.Nodes;

namespace Ledger.Robustness;

/// <summary>
/// Isolation: every GET route the app maps, with its route values filled from community A's own
/// resources, probed (1) with the token of a user who holds every role in another community B, on A's
/// slug and on B's slug with A's ids, and (2) with the token of the owner of unit 2 of A, aimed at
/// unit 1. A leak is any 2xx on A's slug for the outsider, any answer that carries A's marker text to
/// the outsider, and any answer that carries unit 1's private data (its payment reference, or a
/// <c>unitId</c> of unit 1) to the owner of unit 2. Public pages (/p, /embed) show the community's
/// non-personal figures to anyone by design; on them a leak is anything naming a unit. 5xx answers are defects too.
/// </summary>
public static class IsolationCheck
{
    private sealed record World(Community A, Community B, string Marker, string Unit1Secret, long Unit1, long Unit2,
        Dictionary<string, string[]> Values, Api Outsider, Api OwnerOfUnit2);

    public static async Task<Report> RunAsync(Service service, IReadOnlyList<RouteInfo> routes)
    {
        var gets = routes.Where(r => r.Method == "GET").ToList();
        var report = new Report($"isolation ({gets.Count} GET routes)");
        var w = await PrepareAsync(service);
        var statuses = new Dictionary<string, StatusCounts> { ["outsider"] = new(), ["owner of unit 2"] = new() };
        var probes = 0;

        foreach (var route in gets)
        {
            foreach (var (who, api, slug) in new[] { ("outsider", w.Outsider, w.A.Slug), ("outsider", w.Outsider, w.B.Slug), ("owner of unit 2", w.OwnerOfUnit2, w.A.Slug), ("owner of unit 2", w.OwnerOfUnit2, w.B.Slug) })
            {
                foreach (var path in Paths(route, w, slug))
                {
                    foreach (var query in new[] { "", $"?unitId={w.Unit1}" })
                    {
                        probes++;
                        Answer answer;
                        try { answer = await api.GetAsync(path + query); }
                        catch (Exception e) { report.Violation($"{who}: GET {path}{query} -> {e.GetType().Name}: {e.Message}"); continue; }
                        statuses[who].Add(answer.Status);
                        var ok = answer.Status is >= 200 and < 300;
                        var onA = route.Parameters.Contains("c") && slug == w.A.Slug;
                        var aimedAtUnit1 = query.Length > 0 || route.Parameters.Contains("unitId");
                        string? leak = null;
                        if (answer.Status >= 500) leak = "a 5xx";
                        else if (who == "outsider" && ok && onA && !route.Anonymous) leak = "a 2xx on another community";
                        // Public pages (/p, /embed) publish the community's non-personal figures to anyone by design;
                        // what they must never show is anything tied to an owner's unit.
                        else if (who == "outsider" && !route.Anonymous && answer.Body.Contains(w.Marker, StringComparison.Ordinal)) leak = "community A's data";
                        else if (route.Anonymous && ok && NamesUnit(answer.Json(), w.Unit1)) leak = "a unit's entries on a public page";
                        else if (answer.Body.Contains(w.Unit1Secret, StringComparison.Ordinal)) leak = "unit 1's payment reference";
                        else if (who != "outsider" && ok && aimedAtUnit1 && route.Parameters.Contains("unitId")) leak = "a 2xx on another owner's unit";
                        else if (who != "outsider" && ok && NamesUnit(answer.Json(), w.Unit1)) leak = "a unitId of another owner's unit";
                        if (leak is not null) report.Violation($"{who} got {leak}: {route} as GET {path}{query} -> {answer}");
                    }
                }
            }
        }
        report.Figure($"{gets.Count} GET routes from the app's EndpointDataSource, {probes} probes, {report.ViolationCount} leaks or 5xx");
        foreach (var (who, counts) in statuses) report.Figure($"{who}: {counts}");
        return report;
    }

    /// <summary>The route with its values filled every way the world offers (A's entries, units, budgets, motions, requests…).</summary>
    private static IEnumerable<string> Paths(RouteInfo route, World w, string slug)
    {
        IEnumerable<string> paths = [route.Pattern];
        foreach (var name in route.Parameters.Distinct())
        {
            var values = name == "c" ? [slug] : w.Values.GetValueOrDefault(name) ?? ["1"];
            paths = paths.SelectMany(p => values.Select(v => new RouteInfo(route.Method, p, route.Anonymous).Fill(n => n == name ? v : $"{{{n}}}")));
        }
        return paths.Distinct();
    }

    private static bool NamesUnit(JsonNode? node, long unit) => node switch
    {
        JsonObject o => o.Any(kv =>
            (string.Equals(kv.Key, "unitId", StringComparison.OrdinalIgnoreCase) && kv.Value is JsonValue v && v.TryGetValue<long>(out var id) && id == unit)
            || (string.Equals(kv.Key, "unitIds", StringComparison.OrdinalIgnoreCase) && kv.Value is JsonArray ids && ids.Any(x => x is JsonValue xv && xv.TryGetValue<long>(out var i) && i == unit))
            || NamesUnit(kv.Value, unit)),
        JsonArray a => a.Any(x => NamesUnit(x, unit)),
        _ => false,
    };

    private static async Task<World> PrepareAsync(Service service)
    {
        var marker = "ISOLA" + Guid.NewGuid().ToString("N")[..12];
        var secret = "U1SECRET" + Guid.NewGuid().ToString("N")[..12];
        var a = await service.CommunityAsync("iso-a");
        var b = await service.CommunityAsync("iso-b");
        var staff = await service.UserAsync(a.Slug, ["trustee", "trustee_manager", "supervisor", "community_admin"]);
        var committee = await service.UserAsync(a.Slug, ["committee"]);

        var unit1 = await a.UnitAsync(staff, marker, "1");
        var unit2 = await a.UnitAsync(staff, marker, "2");
        var (owner1Id, owner1) = await a.OwnerAsync(staff, marker + " 业主一", unit1);
        var (owner2Id, owner2) = await a.OwnerAsync(staff, "业主二", unit2);
        await staff.OkAsync(HttpMethod.Put, a.P("/trust-terms"), Community.TrustTerms(marker));
        await staff.OkAsync(HttpMethod.Put, a.P("/fee-schedule"), new { effectiveFrom = a.BooksStartMonth, rates = new { residential = "1.80" } });
        await staff.OkAsync(HttpMethod.Post, a.P("/billing-runs"), new { month = a.BooksStartMonth });
        var pay1 = await staff.OkAsync(HttpMethod.Post, a.P("/payments"), new { unitId = unit1, amount = 12_345, paidAt = a.FirstDay, channel = "bank", externalRef = secret });
        await staff.OkAsync(HttpMethod.Post, a.P("/payments"), new { unitId = unit2, amount = 500, paidAt = a.FirstDay, channel = "bank", externalRef = "U2-own-payment" });
        var entry = await staff.OkAsync(HttpMethod.Post, a.P("/entries"), new
        {
            date = a.FirstDay, memo = marker + " 广告收入", fund = "common",
            lines = new object[] { new { account = "1002", debit = 9_000 }, new { account = "5202", credit = 9_000 } },
        });
        await staff.OkAsync(HttpMethod.Post, a.P("/receipts"), new { source = "parking", amount = 700, receivedAt = a.FirstDay, payer = marker, memo = marker, externalRef = "ISO-R-1" });
        await staff.OkAsync(HttpMethod.Post, a.P("/accounts"), new { code = "520201", name = marker, parentCode = "5202" });
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. System.Text.Encoding.ASCII.GetBytes(marker)];
        var form = new MultipartFormDataContent { { new ByteArrayContent(png), "file", "receipt.png" } };
        var upload = await staff.SendAsync(HttpMethod.Post, a.P("/attachments"), form);
        if (upload.Status != 201) throw new InvalidOperationException($"upload: {upload}");
        var sha = upload.Json()!["sha256"]!.GetValue<string>();
        var year = int.Parse(a.BooksStartMonth[..4], CultureInfo.InvariantCulture);
        var budget = await staff.OkAsync(HttpMethod.Post, a.P("/budgets"), new { fiscalYear = year, lines = new object[] { new { account = "6103", amount = 100_000, note = marker } } });
        var budgetId = budget["id"]!.GetValue<long>();
        await staff.OkAsync(HttpMethod.Post, a.P($"/budgets/{budgetId}/publish"));
        await owner1.OkAsync(HttpMethod.Post, a.P($"/budgets/{budgetId}/comments"), new { text = marker + " 意见" });
        var request = await staff.OkAsync(HttpMethod.Post, a.P("/spending-requests"),
            new { payee = marker, amount = 1_000, account = "6103", description = marker, attachments = new[] { sha } });
        // Announced at least the notice period (15 days by default) ahead of its opening.
        var opens = DateTimeOffset.UtcNow.AddDays(60);
        var motion = await committee.OkAsync(HttpMethod.Post, a.P("/motions"),
            new { kind = "other", title = marker, body = marker, opensAt = opens, closesAt = opens.AddDays(300) });
        var query = await owner1.OkAsync(HttpMethod.Post, a.P("/queries"),
            new { subject = "entry", subjectId = entry["seq"]!.ToString(), question = marker + " 请说明" });

        var outsider = await service.UserAsync(b.Slug, ["owner", "trustee", "trustee_manager", "supervisor", "committee", "community_admin"]);
        var values = new Dictionary<string, string[]>
        {
            ["seq"] = [entry["seq"]!.ToString(), pay1["seq"]!.ToString()],
            ["unitId"] = [unit1.ToString(CultureInfo.InvariantCulture)],
            ["id"] = [budgetId.ToString(CultureInfo.InvariantCulture), motion["id"]!.ToString(), request["id"]!.ToString(), query["id"]!.ToString()],
            ["sha256"] = [sha],
            ["month"] = [a.BooksStartMonth],
            ["period"] = [a.BooksStartMonth],
            ["userId"] = [owner1.UserId.ToString(CultureInfo.InvariantCulture)],
            ["ownerId"] = [owner1Id.ToString(CultureInfo.InvariantCulture)],
            ["documentName"] = ["v1"],
        };
        _ = owner2Id;
        return new World(a, b, marker, secret, unit1, unit2, values, outsider, owner2);
    }
}
