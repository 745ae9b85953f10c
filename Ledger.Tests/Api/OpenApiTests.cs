using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ledger.Domain.Model;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>
/// The OpenAPI document is a contract other people's tools generate clients from: every path
/// parameter declared, security where sign-in is needed, an id and summary per operation, and every
/// status the service really sends documented with its schema. Set LEDGER_FORMATS_OUT to a folder
/// to keep the document for the npm tools (.ci/formats-check: redocly lint, openapi-typescript).
/// </summary>
public abstract partial class OpenApiTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private async Task<JsonObject> DocumentAsync()
    {
        var text = await App.Anonymous().Http.GetStringAsync("/openapi/v1.json");
        if (Environment.GetEnvironmentVariable("LEDGER_FORMATS_OUT") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "openapi.json"), text);
        }
        return JsonNode.Parse(text)!.AsObject();
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject doc) =>
        doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Where(m => m.Key != "parameters")
            .Select(m => (p.Key, m.Key.ToUpperInvariant(), m.Value!.AsObject())));

    private static JsonObject Operation(JsonObject doc, string method, string path) =>
        doc["paths"]![path]![method.ToLowerInvariant()]!.AsObject();

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex Template();

    [SkippableFact]
    public async Task Every_operation_declares_its_path_parameters_security_id_summary_and_tag()
    {
        var doc = await DocumentAsync();
        var ops = Operations(doc).ToList();
        Assert.True(ops.Count >= 60, $"only {ops.Count} operations documented");
        Assert.Equal(ops.Count, ops.Select(o => o.Operation["operationId"]!.GetValue<string>()).Distinct().Count());
        var tags = doc["tags"]!.AsArray().ToDictionary(t => t!["name"]!.GetValue<string>(), t => t!["description"]?.GetValue<string>());
        Assert.Equal("bearer", doc["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
        foreach (var (path, method, op) in ops)
        {
            var where = $"{method} {path}";
            Assert.False(string.IsNullOrWhiteSpace(op["summary"]?.GetValue<string>()), $"{where}: no summary");
            var declared = op["parameters"]?.AsArray().Where(p => p!["in"]!.GetValue<string>() == "path").Select(p => p!["name"]!.GetValue<string>()).ToHashSet() ?? [];
            foreach (Match m in Template().Matches(path))
                Assert.True(declared.Contains(m.Groups[1].Value), $"{where}: path parameter {m.Groups[1].Value} undeclared");
            foreach (var tag in op["tags"]!.AsArray())
                Assert.False(string.IsNullOrWhiteSpace(tags.GetValueOrDefault(tag!.GetValue<string>())), $"{where}: tag {tag} has no description");
            // Every community route needs a token, except the few that API.md makes public (a vote's result, owners' proposals).
            var isPublic = path.EndsWith("/result", StringComparison.Ordinal) || (method == "GET" && path.Contains("/proposals", StringComparison.Ordinal));
            if (path.StartsWith("/api/v1/communities/{c}", StringComparison.Ordinal) && !isPublic)
            {
                Assert.True(op["security"]?.AsArray().Any(s => s!["bearer"] is not null) == true, $"{where}: no bearer security");
                foreach (var status in new[] { "401", "403", "404" })
                    Assert.Equal("#/components/schemas/Problem", op["responses"]![status]?["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>());
            }
            foreach (var (status, response) in op["responses"]!.AsObject())
            {
                if (status is "204" or "304") continue;
                Assert.True(response!["content"]?.AsObject().Any(c => c.Value!["schema"] is not null) == true, $"{where}: {status} has no schema");
            }
        }
        var problem = doc["components"]!["schemas"]!["Problem"]!;
        Assert.Contains("code", problem["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    /// <summary>
    /// A write keyed by its own body (a payment's externalRef) ignores the Idempotency-Key header, so the document must
    /// not offer it there (a generated client would send it and expect it honoured); other community writes offer it.
    /// </summary>
    [SkippableFact]
    public async Task The_idempotency_header_is_offered_only_where_it_is_honoured()
    {
        var doc = await DocumentAsync();
        static bool Offers(JsonObject op) => op["parameters"]?.AsArray().Any(p => p!["name"]!.GetValue<string>() == "Idempotency-Key") == true;
        foreach (var (path, field) in new[] { ("/api/v1/communities/{c}/payments", "externalRef"), ("/api/v1/communities/{c}/receipts", "externalRef"),
                     ("/api/v1/communities/{c}/spending-requests/{id}/payment", "bankRef") })
        {
            var op = Operation(doc, "POST", path);
            Assert.False(Offers(op), $"{path} offers Idempotency-Key");
            Assert.Contains($"Idempotent by `{field}`", op["description"]!.GetValue<string>());
        }
        Assert.True(Offers(Operation(doc, "POST", "/api/v1/communities/{c}/entries")));
        Assert.True(Offers(Operation(doc, "POST", "/api/v1/communities/{c}/spending-requests")));
    }

    [SkippableFact]
    public async Task Every_route_of_the_contract_is_documented_with_its_success_schema()
    {
        var doc = await DocumentAsync();
        string Ref(string method, string path, string status) =>
            Operation(doc, method, path)["responses"]![status]!["content"]!["application/json"]!["schema"]!.ToJsonString();
        Assert.Contains("EntryDto", Ref("POST", "/api/v1/communities/{c}/entries", "201"));
        Assert.Contains("EntryDto", Ref("GET", "/api/v1/communities/{c}/entries/{seq}", "200"));
        Assert.Contains("EntryDto", Ref("GET", "/api/v1/communities/{c}/entries", "200"));
        Assert.Contains("TrialBalanceDto", Ref("GET", "/api/v1/communities/{c}/trial-balance", "200"));
        Assert.Contains("Receipt", Ref("POST", "/api/v1/communities/{c}/motions/{id}/ballots", "201"));
        foreach (var (method, path) in new[]
        {
            ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/activate"), ("GET", "/api/v1/me"), ("POST", "/api/v1/communities"),
            ("PUT", "/api/v1/communities/{c}/trust-terms"), ("POST", "/api/v1/communities/{c}/units/import"), ("GET", "/api/v1/communities/{c}/export/journal"),
            ("PUT", "/api/v1/communities/{c}/fee-schedule"), ("POST", "/api/v1/communities/{c}/billing-runs"), ("GET", "/api/v1/communities/{c}/bills"),
            ("GET", "/api/v1/communities/{c}/units/{unitId}/statement"), ("GET", "/api/v1/communities/{c}/arrears"), ("POST", "/api/v1/communities/{c}/budgets"),
            ("GET", "/api/v1/communities/{c}/budgets/{id}/execution"), ("GET", "/api/v1/communities/{c}/motions/{id}/result"),
            ("POST", "/api/v1/communities/{c}/attachments"), ("POST", "/api/v1/communities/{c}/spending-requests"),
            ("POST", "/api/v1/communities/{c}/spending-requests/{id}/decisions"), ("POST", "/api/v1/communities/{c}/spending-requests/{id}/payment"),
            ("POST", "/api/v1/communities/{c}/queries"), ("POST", "/api/v1/communities/{c}/queries/{id}/answer"), ("GET", "/api/v1/communities/{c}/statements"),
            ("POST", "/api/v1/communities/{c}/statements/{period}/publish"), ("GET", "/p/{c}/statements/{period}.json"), ("GET", "/p/{c}/journal"),
            ("GET", "/p/{c}/statements/{period}/datapackage.json"),
        })
        {
            var responses = Operation(doc, method, path)["responses"]!.AsObject();
            Assert.True(responses.Any(r => r.Key.StartsWith('2') && r.Value!["content"] is not null), $"{method} {path}: no documented success body");
        }
        var read = Operation(doc, "GET", "/api/v1/communities/{c}/entries/{seq}");
        Assert.Equal("getEntriesBySeq", read["operationId"]!.GetValue<string>());
        Assert.Equal("Read a journal entry with its hashes", read["summary"]!.GetValue<string>());
        Assert.Equal("^[a-z0-9-]{3,40}$", read["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "c")!["schema"]!["pattern"]!.GetValue<string>());
        // Request fields are required where the validator requires them; optional ones are optional.
        var postEntry = doc["components"]!["schemas"]!["PostEntryRequest"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "date", "memo", "fund", "lines" }, postEntry);
        // Optional fields are optional (left out of responses), not required and nullable.
        var entry = doc["components"]!["schemas"]!["EntryDto"]!;
        var line = doc["components"]!["schemas"]!["LineDto"]!;
        Assert.DoesNotContain("reverses", entry["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal("integer", entry["properties"]!["reverses"]!["type"]!.GetValue<string>());
        foreach (var optional in new[] { "debit", "credit", "unitId" })
            Assert.DoesNotContain(optional, line["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    /// <summary>A result read before the close answers 409 (`evaluation_not_closed`, `motion_not_open`): the document says so, as a Problem.</summary>
    [SkippableFact]
    public async Task Result_reads_document_their_not_yet_conflict()
    {
        var doc = await DocumentAsync();
        foreach (var path in new[] { "/api/v1/communities/{c}/evaluations/{id}/result", "/api/v1/communities/{c}/motions/{id}/result" })
        {
            var responses = Operation(doc, "GET", path)["responses"]!;
            Assert.Equal("#/components/schemas/Problem", responses["409"]?["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>());
            Assert.Equal("#/components/schemas/Problem", responses["404"]?["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>());
            Assert.Null(responses["401"]); // public once closed: no token needed
        }
    }

    /// <summary>
    /// The uploads read their file themselves, so the framework saw no body: the document offered none (a generated client
    /// could not send the statement or the voucher) and left out their 413 and 415. And every route with a body answers 415
    /// to a body of another type, which no operation listed.
    /// </summary>
    [SkippableFact]
    public async Task Uploads_document_their_file_and_every_route_with_a_body_its_415()
    {
        var doc = await DocumentAsync();
        var import = Operation(doc, "POST", "/api/v1/communities/{c}/bank-statements");
        Assert.Superset(new HashSet<string> { "application/xml", "text/csv", "multipart/form-data" },
            import["requestBody"]?["content"]?.AsObject().Select(c => c.Key).ToHashSet() ?? []);
        var upload = Operation(doc, "POST", "/api/v1/communities/{c}/attachments");
        Assert.Equal("binary", upload["requestBody"]?["content"]?["multipart/form-data"]?["schema"]?["properties"]?["file"]?["format"]?.GetValue<string>());
        Assert.NotNull(upload["responses"]!["413"]);

        var slug = await App.CommunityAsync();
        var manager = await App.UserAsync(slug, "trustee", "trustee_manager");
        foreach (var (path, route) in new[] { ($"/api/v1/communities/{slug}/attachments", "/api/v1/communities/{c}/attachments"),
                     ($"/api/v1/communities/{slug}/payments", "/api/v1/communities/{c}/payments") })
        {
            var response = await manager.PostRawAsync(path, "{}", "text/plain");
            await response.AssertProblem(415, "unsupported_media_type");
            Assert.True(Operation(doc, "POST", route)["responses"]!.AsObject().ContainsKey("415"), $"POST {route} answered 415, which the document does not list");
        }
    }

    /// <summary>Real calls: each status the service answers is one the document lists for that operation, and a body has what the schema requires.</summary>
    [SkippableFact]
    public async Task What_the_service_sends_is_what_the_document_says()
    {
        var doc = await DocumentAsync();
        var slug = await App.CommunityAsync();
        var manager = await App.UserAsync(slug, "trustee", "trustee_manager");
        var owner = await App.UserAsync(slug, "owner");
        var schemas = doc["components"]!["schemas"]!.AsObject();

        async Task<JsonNode?> Check(HttpResponseMessage response, string method, string path)
        {
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var documented = Operation(doc, method, path)["responses"]!.AsObject();
            Assert.True(documented.ContainsKey(status), $"{method} {path} answered {status}, which the document does not list");
            var body = await response.Content.ReadAsStringAsync();
            if (status[0] != '2')
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(documented[status]!["content"]!.AsObject().ContainsKey("application/problem+json"), $"{method} {path} answered {status} as problem+json, which the document does not say");
                Assert.Matches("^[a-z0-9_]+$", JsonNode.Parse(body)!["code"]!.GetValue<string>());
                return null;
            }
            var schemaRef = documented[status]!["content"]!["application/json"]!["schema"]!;
            var json = JsonNode.Parse(body);
            AssertRequired(json, schemaRef, schemas, $"{method} {path}");
            return json;
        }

        var entries = $"/api/v1/communities/{slug}/entries";
        await Check(await App.Anonymous().GetAsync(entries), "GET", "/api/v1/communities/{c}/entries");
        await Check(await owner.GetAsync(entries), "GET", "/api/v1/communities/{c}/entries");
        await Check(await manager.GetAsync("/api/v1/communities/no-such-place/entries"), "GET", "/api/v1/communities/{c}/entries");
        var lines = new[] { new { account = "6103", debit = (long?)1000, credit = (long?)null }, new { account = "2202", debit = (long?)null, credit = (long?)1000 } };
        var posted = await Check(await manager.PostAsync(entries, new { date = "2026-11-20", memo = "保洁", fund = "common", lines }), "POST", "/api/v1/communities/{c}/entries");
        var seq = posted!["seq"]!.GetValue<long>();
        await Check(await manager.PostAsync(entries, new { date = "2026-11-20", memo = "x", fund = "common", lines = new[] { lines[0] } }), "POST", "/api/v1/communities/{c}/entries");
        await Check(await manager.PostRawAsync(entries, "{not json"), "POST", "/api/v1/communities/{c}/entries");
        await Check(await manager.PostAsync($"{entries}/{seq}/reversal", new { reason = "重复" }), "POST", "/api/v1/communities/{c}/entries/{seq}/reversal");
        await Check(await manager.PostAsync($"{entries}/{seq}/reversal", new { reason = "重复" }), "POST", "/api/v1/communities/{c}/entries/{seq}/reversal");
        var read = await Check(await manager.GetAsync($"{entries}/{seq}"), "GET", "/api/v1/communities/{c}/entries/{seq}");
        Assert.Null(read!["reverses"]); // left out, as the schema now allows
        await Check(await manager.GetAsync($"/api/v1/communities/{slug}/trial-balance"), "GET", "/api/v1/communities/{c}/trial-balance");
        await Check(await manager.GetAsync($"/api/v1/communities/{slug}/accounts?month=2026-13"), "GET", "/api/v1/communities/{c}/accounts");
        await Check(await App.Anonymous().PostAsync("/api/v1/auth/login", new { login = "nobody-here", password = "wrong password" }), "POST", "/api/v1/auth/login");
        await Check(await manager.GetAsync("/api/v1/me"), "GET", "/api/v1/me");
        // A bill is owner-specific: the feed shows its hashes only. The last page says so with `next: null`.
        var admin = await App.UserAsync(slug, "community_admin");
        var unit = (await (await admin.PostAsync($"/api/v1/communities/{slug}/units", new { building = "1栋", number = "101", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await manager.PutAsync($"/api/v1/communities/{slug}/fee-schedule", new { effectiveFrom = "2026-11", rates = new { residential = "1.80" } })).AssertStatus(200);
        await (await manager.PostAsync($"/api/v1/communities/{slug}/billing-runs", new { month = "2026-11" })).AssertStatus(201);
        var feed = await Check(await App.Anonymous().GetAsync($"/p/{slug}/journal"), "GET", "/p/{c}/journal");
        Assert.Contains(feed!["items"]!.AsArray(), item => !item!.AsObject().ContainsKey("entry"));
        Assert.True(feed!.AsObject().ContainsKey("next") && feed["next"] is null);
        // The unit's own entries come in the feed's shape, salt included.
        await Check(await manager.GetAsync($"/api/v1/communities/{slug}/units/{unit}/entries"), "GET", "/api/v1/communities/{c}/units/{unitId}/entries");
        // A download that is not there is problem+json, as the document says.
        await Check(await App.Anonymous().GetAsync($"/p/{slug}/statements/2026-10.json"), "GET", "/p/{c}/statements/{period}.json");
        await Check(await App.Anonymous().GetAsync($"/p/{slug}/statements/2026-10.csv"), "GET", "/p/{c}/statements/{period}.csv");
    }

    /// <summary>Every property the schema requires is present, recursively through objects and arrays.</summary>
    private static void AssertRequired(JsonNode? value, JsonNode schema, JsonObject schemas, string where)
    {
        if (schema["$ref"] is { } r) schema = schemas[r.GetValue<string>().Split('/')[^1]]!;
        if (value is JsonObject obj)
        {
            foreach (var name in schema["required"]?.AsArray().Select(n => n!.GetValue<string>()) ?? [])
                Assert.True(obj.ContainsKey(name), $"{where}: required '{name}' missing in {obj.ToJsonString()[..Math.Min(200, obj.ToJsonString().Length)]}");
            foreach (var (name, v) in obj)
                if (schema["properties"]?[name] is { } ps)
                {
                    if (v is null) Assert.True(AllowsNull(ps), $"{where}: '{name}' is null, which its schema does not allow");
                    else AssertRequired(v, ps, schemas, where);
                }
        }
        else if (value is JsonArray array && schema["items"] is { } items)
            foreach (var item in array) AssertRequired(item, items, schemas, where);
    }

    private static bool AllowsNull(JsonNode schema) =>
        schema["type"] is JsonArray types ? types.Any(t => t!.GetValue<string>() == "null")
        : schema["type"]?.GetValue<string>() == "null" || (schema["oneOf"]?.AsArray().Any(o => AllowsNull(o!)) ?? false);
}

public sealed class SqliteOpenApiTests(SqliteFixture fixture) : OpenApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresOpenApiTests(PostgresFixture fixture) : OpenApiTests(fixture), IClassFixture<PostgresFixture>;
