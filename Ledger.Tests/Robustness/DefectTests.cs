using System.Net.Http.Headers;
using System.Text;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Robustness;

/// <summary>
/// Defects the bad-input check found, each kept as the smallest request that once answered 500, so
/// they stay fixed.
/// </summary>
public sealed class DefectTests(SqliteFixture fixture) : IClassFixture<SqliteFixture>
{
    private async Task<(ApiClient Api, string Slug)> StaffAsync()
    {
        var slug = await fixture.App.CommunityAsync();
        return (await fixture.App.UserAsync(slug, "trustee", "trustee_manager", "supervisor"), slug);
    }

    [SkippableFact]
    public async Task Json_body_with_an_unknown_charset_is_refused_with_400_not_500()
    {
        var (api, slug) = await StaffAsync();
        var content = new StringContent("""{"month":"2026-11"}""", Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=nonsense");

        var response = await api.Http.PostAsync($"/api/v1/communities/{slug}/billing-runs", content);

        await response.AssertProblem(400, "malformed_request");
    }

    /// <summary>
    /// An attachment over the body limit the server enforces (11 MB: 10 MB and room for the form) is 413 payload_too_large,
    /// as API.md says. Kestrel's refusal is an IOException, and the upload read it as a malformed multipart body (400).
    /// Only a real server enforces the limit, so this one listens on loopback.
    /// </summary>
    [SkippableFact]
    public async Task An_attachment_over_the_servers_body_limit_is_413_not_a_malformed_body()
    {
        using var app = new LedgerApp(Ledger.Domain.Store.Engine.Sqlite);
        app.UseKestrel(0);
        app.StartServer();
        var slug = await app.CommunityAsync();
        var staff = await app.UserAsync(slug, "trustee");
        var file = new ByteArrayContent(new byte[12 * 1024 * 1024]);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        // As a browser or curl would: the server answers before taking the body (which it would not read anyway).
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/communities/{slug}/attachments")
        {
            Content = new MultipartFormDataContent { { file, "file", "big.pdf" } },
            Headers = { ExpectContinue = true },
        };
        var response = await staff.Http.SendAsync(request);
        await response.AssertProblem(413, "payload_too_large");
    }

    /// <summary>A body the route cannot read says where, in the caller's terms, not in .NET's type and parameter names.</summary>
    [SkippableFact]
    public async Task A_malformed_body_is_described_without_the_frameworks_type_names()
    {
        var (api, slug) = await StaffAsync();
        foreach (var (body, where) in new[] { ("""{"unitId":1,"amount":12.5}""", "$.amount"), ("""{"unitId":1,"amount":}""", "$.amount"), ("", null) })
        {
            var content = new StringContent(body, Encoding.UTF8, "application/json");
            var response = await api.Http.PostAsync($"/api/v1/communities/{slug}/payments", content);
            var problem = await response.AssertProblem(400, "malformed_request");
            var detail = problem["detail"]!.GetValue<string>();
            if (where is not null) Assert.Contains(where, detail);
            Assert.DoesNotContain("System.", detail);
            Assert.DoesNotContain("Ledger.", detail);
            Assert.DoesNotContain("PaymentRequest", detail);
        }
        var query = await api.Http.GetAsync($"/api/v1/communities/{slug}/entries?unitId=abc");
        Assert.Equal("'unitId' cannot be 'abc'.", (await query.AssertProblem(400, "malformed_request"))["detail"]!.GetValue<string>());
        var twice = await api.Http.PostAsync($"/api/v1/communities/{slug}/billing-runs",
            new StringContent("""{"month":"2026-11","month":"2026-12"}""", Encoding.UTF8, "application/json"));
        var refused = await twice.AssertProblem(400, "validation_failed");
        Assert.Equal("A property appears twice in the same object.", refused["errors"]!["body"]![0]!.GetValue<string>());
    }

    /// <summary>A published data document that is not there answers as the API does (it was a bare {"code"} or a CSV line).</summary>
    [SkippableFact]
    public async Task A_missing_public_data_document_is_problem_json()
    {
        var (_, slug) = await StaffAsync();
        foreach (var path in new[] { $"/p/{slug}/statements/2099-01.json", $"/p/{slug}/statements/2099-01.csv", $"/p/{slug}/spending/99999.json", "/p/no-such-place/statements.json" })
        {
            var response = await fixture.App.Anonymous().Http.GetAsync(path);
            await response.AssertProblem(404, "not_found");
        }
    }

    [SkippableFact]
    public async Task Json_body_without_a_content_type_is_415_unsupported_media_type()
    {
        var (api, slug) = await StaffAsync();
        var content = new ByteArrayContent("""{"month":"2026-11"}"""u8.ToArray());

        var response = await api.Http.PostAsync($"/api/v1/communities/{slug}/billing-runs", content);

        await response.AssertProblem(415, "unsupported_media_type");
    }

    [SkippableFact]
    public async Task Upload_without_a_multipart_boundary_is_refused_with_400_not_500()
    {
        var (api, slug) = await StaffAsync();
        var content = new ByteArrayContent("x"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");

        var response = await api.Http.PostAsync($"/api/v1/communities/{slug}/attachments", content);

        Assert.Equal(400, (int)response.StatusCode);
    }

    [SkippableFact]
    public async Task Upload_with_a_truncated_multipart_body_is_refused_with_400_not_500()
    {
        var (api, slug) = await StaffAsync();
        var content = new ByteArrayContent("--nope--"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=abc");

        var response = await api.Http.PostAsync($"/api/v1/communities/{slug}/attachments", content);

        Assert.Equal(400, (int)response.StatusCode);
    }

    [SkippableFact]
    public async Task Concurrent_imports_of_the_same_new_unit_import_it_once_and_refuse_the_rest_without_500()
    {
        var slug = await fixture.App.CommunityAsync();
        var admin = await fixture.App.UserAsync(slug, "community_admin");
        const string csv = "building,number,use,area,areaSource,delivered\n7栋,701,residential,88.50,registered,true\n";

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            admin.PostRawAsync($"/api/v1/communities/{slug}/units/import", csv, "text/csv")));

        Assert.DoesNotContain(responses, r => (int)r.StatusCode >= 500);
        Assert.Single(responses, r => (int)r.StatusCode == 201);
        foreach (var refused in responses.Where(r => (int)r.StatusCode != 201))
            await refused.AssertProblem((int)refused.StatusCode, (int)refused.StatusCode == 409 ? "unit_exists" : "import_invalid");
    }

    [SkippableFact]
    public async Task A_full_width_unit_number_is_the_same_unit_not_a_second_one_that_looks_alike()
    {
        var slug = await fixture.App.CommunityAsync();
        var admin = await fixture.App.UserAsync(slug, "community_admin");
        var made = await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
            new { building = "Ａ座", number = "３０１", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertStatus(201);
        Assert.Equal(("A座", "301"), (made["building"]!.GetValue<string>(), made["number"]!.GetValue<string>()));

        await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
            new { building = "A座", number = "301", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertProblem(409, "unit_exists");
        var import = await admin.PostRawAsync($"/api/v1/communities/{slug}/units/import",
            "building,number,use,area,areaSource,delivered\nA座,３０１,residential,90,registered,true\n", "text/csv");
        Assert.True((int)import.StatusCode is 400 or 409 or 422, $"{(int)import.StatusCode}");
        // Runs of spaces are one space, but a tab is not a space: still refused in a one-line label, as in the JSON body.
        await (await admin.PostRawAsync($"/api/v1/communities/{slug}/units/import",
            "building,number,use,area,areaSource,delivered\nA座,\"3\t02\",residential,90,registered,true\n", "text/csv")).AssertProblem(400, "import_invalid");
        // Invisible format characters do not make another unit either, and the 40 characters count as kept.
        // Nor do the other default-ignorable characters (combining grapheme joiner, variation selector, Hangul fillers,
        // a tag character above U+FFFF), an accent on the last digit, or an ideographic space at the end.
        foreach (var lookAlike in new[] { "301\u200b", "\u200e301", "30\u00ad1", "\ufeff301", "30\u034f1", "301\ufe0f", "\u3164301",
                     "\u115f301", "301\u0301", "301\U000E0001", "301\u3000" })
            await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
                new { building = "A座", number = lookAlike, use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertProblem(409, "unit_exists");
        await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
            new { building = "A座", number = new string('\ufdfa', 3), use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertProblem(400, "validation_failed");
        await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
            new { building = "A座", number = "30\u20281", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertProblem(400, "validation_failed");
        var units = (await admin.GetJsonAsync($"/api/v1/communities/{slug}/units"))["items"]!.AsArray();
        Assert.Single(units);
        // Text made only of invisible characters is not text anywhere.
        await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
            new { building = "\u200b\u2060", number = "302", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertProblem(400, "validation_failed");
    }
}
