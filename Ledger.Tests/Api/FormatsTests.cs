using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>
/// Published formats that other people's tools read: hledger's strict checks on the journal export,
/// one kind of value per CSV column, the canonical statement bytes, a Table Schema–valid Fiscal Data
/// Package, pages without empty table headers, a favicon. With LEDGER_FORMATS_OUT set, the data
/// package is kept there for the frictionless library (.ci/formats-check).
/// </summary>
public abstract class FormatsTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private static string? Hledger()
    {
        var hledger = new[] { "/usr/bin/hledger", "/usr/local/bin/hledger" }.FirstOrDefault(File.Exists);
        if (hledger is null)
        {
            if (PostgresServer.InCi) throw new InvalidOperationException("hledger is required when CI is set (apt-get install hledger).");
            Skip.If(true, "hledger is not installed");
        }
        return hledger;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + errors);
    }

    [SkippableFact]
    public async Task The_exported_journal_passes_hledgers_strict_and_date_order_checks()
    {
        var hledger = Hledger();
        // The yard's bills are posted after payments dated earlier, so sequence order is not date order.
        var y = await DisclosureYard.BuildAsync(App);
        await CheckedJournalAsync(y, hledger!, async (journal, file) =>
        {
            // Every entry is there once, with its sequence as a tag and its hashes.
            var (_, tagged) = await RunAsync(hledger!, $"-f {file} print tag:seq -O csv");
            var seqs = journal.Split('\n').Where(l => l.Contains("  ; seq:", StringComparison.Ordinal))
                .Select(l => long.Parse(l[(l.LastIndexOf("seq:", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture)).ToList();
            var integrity = await y.Supervisor.GetJsonAsync(y.P("/integrity"));
            Assert.Equal(Enumerable.Range(1, (int)integrity["seq"]!.GetValue<long>()).Select(i => (long)i), seqs.Order());
            Assert.NotEqual(seqs, seqs.Order().ToList()); // the sequence was reordered by date here
            Assert.Contains($"chain-hash:{integrity["chainHash"]!.GetValue<string>()}", journal);
            Assert.Contains("commodity 1000.00 CNY", journal);
            Assert.DoesNotContain(journal.Split('\n'), l => l.StartsWith("    ", StringComparison.Ordinal) && !l.TrimStart().StartsWith(';') && !l.Contains(" CNY", StringComparison.Ordinal));
            Assert.NotEmpty(tagged);
        });
    }

    /// <summary>The yard's exported journal in a file that passes hledger's strict and date-order checks, handed to
    /// <paramref name="more"/> with its text; the file is removed after.</summary>
    private static async Task CheckedJournalAsync(DisclosureYard y, string hledger, Func<string, string, Task> more)
    {
        var journal = await y.Supervisor.Http.GetStringAsync(y.P("/export/journal"));
        var file = Path.Combine(Path.GetTempPath(), $"{y.Slug}-{Guid.NewGuid():N}.journal");
        await File.WriteAllTextAsync(file, journal);
        try
        {
            var (code, output) = await RunAsync(hledger, $"-f {file} check -s ordereddates");
            Assert.True(code == 0, output);
            await more(journal, file);
        }
        finally { File.Delete(file); }
    }

    [SkippableFact]
    public async Task A_memo_with_line_breaks_adds_nothing_to_the_exported_journal()
    {
        var hledger = Hledger();
        var y = await DisclosureYard.BuildAsync(App);
        // A reversal's reason is a multi-line field, and the reversal's memo carries it. Written as a transaction
        // of its own, dated like the reversal and naming the declared accounts, it passes hledger's strict checks.
        var accounts = (await y.Supervisor.GetJsonAsync(y.P("/accounts")))["items"]!.AsArray()
            .ToDictionary(a => a!["code"]!.GetValue<string>(), a => $"{a!["code"]!.GetValue<string>()} {a["name"]!.GetValue<string>()}");
        var receipt = await (await y.Trustee.PostAsync(y.P("/receipts"), new
        {
            source = "other", amount = 100L, receivedAt = "2026-11-20", payer = "某公司", memo = "杂项", externalRef = "MEMO-1",
        })).AssertStatus(201);
        var reason = $"录入错误\n2026-11-21 (999) 调账\r\n    {accounts["1002"]}  1000000.00 CNY\n    {accounts["3101"]}  -1000000.00 CNY";
        await (await y.Trustee.PostAsync(y.P($"/entries/{receipt["seq"]!.GetValue<long>()}/reversal"), new { reason })).AssertStatus(201);
        await CheckedJournalAsync(y, hledger!, async (journal, file) =>
        {
            // What hledger adds up is the books: every account as the trial balance has it, nothing more.
            var (_, balances) = await RunAsync(hledger!, $"-f {file} balance --flat --no-total -O csv");
            var theirs = balances.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split("\",\""))
                .ToDictionary(f => f[0].Trim('"').Split(' ')[0], f => (long)Math.Round(decimal.Parse(f[1].Trim('"').Replace(" CNY", ""), CultureInfo.InvariantCulture) * 100));
            var ours = (await y.Supervisor.GetJsonAsync(y.P("/trial-balance")))["accounts"]!.AsArray()
                .ToDictionary(a => a!["code"]!.GetValue<string>(), a => a!["debit"]!.GetValue<long>() - a!["credit"]!.GetValue<long>());
            Assert.Equal(ours.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key), theirs.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key));
            Assert.DoesNotContain(journal.Split('\n'), l => l.StartsWith("2026-11-21 (999)", StringComparison.Ordinal));
        });
    }

    [SkippableFact]
    public async Task Statement_csv_puts_only_money_in_money_columns()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        var bytes = await anonymous.Http.GetByteArrayAsync(y.Public("/statements/2026-10.csv"));
        var rows = Csv.Read(Encoding.UTF8.GetString(bytes[3..])).ToList();
        var header = rows[0];
        Assert.Equal(["section", "item", "account", "date", "payee", "request", "amount_fen", "amount_yuan", "seq", "hash"], header);
        int Col(string name) => Array.IndexOf(header, name);
        var json = await anonymous.GetJsonAsync(y.Public("/statements/2026-10.json"));
        foreach (var row in rows.Skip(1))
        {
            Assert.Equal(header.Length, row.Length);
            var fen = row[Col("amount_fen")];
            if (fen.Length > 0)
            {
                // Money rows: whole fen, the same amount in yuan, no hash, no sequence.
                Assert.Matches("^-?[0-9]+$", fen);
                Assert.Equal((long.Parse(fen, CultureInfo.InvariantCulture) / 100m).ToString("0.00", CultureInfo.InvariantCulture), row[Col("amount_yuan")]);
                Assert.Equal("", row[Col("hash")]);
                Assert.Equal("", row[Col("seq")]);
            }
            else
            {
                Assert.Equal("verification", row[0]);
                Assert.Equal("", row[Col("amount_yuan")]);
                Assert.Matches("^[0-9a-f]{64}$", row[Col("hash")]);
            }
            if (row[Col("request")].Length > 0) Assert.Matches("^[0-9]+$", row[Col("request")]);
            Assert.True(row[Col("item")].Length == 0 || !System.Text.RegularExpressions.Regex.IsMatch(row[Col("item")], "^[0-9a-f]{64}$"), "a hash in item");
        }
        string Verification(string item, string column) => rows.Single(r => r[0] == "verification" && r[1] == item)[Col(column)];
        Assert.Equal(json["hash"]!.GetValue<string>(), Verification("statement_hash", "hash"));
        Assert.Equal(json["chainHash"]!.GetValue<string>(), Verification("chain_hash", "hash"));
        Assert.Equal(json["seq"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), Verification("chain_hash", "seq"));
        Assert.Equal(json["previousHash"]!.GetValue<string>(), Verification("previous_hash", "hash"));
        // A tool that sums the listed payments gets the statement's payments, nothing else.
        var listed = rows.Where(r => r[0] == "payment").Sum(r => long.Parse(r[Col("amount_fen")], CultureInfo.InvariantCulture));
        Assert.Equal(json["payments"]!["items"]!.AsArray().Sum(i => i!["amount"]!.GetValue<long>()), listed);
        Assert.Contains(rows, r => r[0] == "payment" && r[Col("payee")] == DisclosureYard.HostilePayee && r[Col("request")].Length > 0);
    }

    [SkippableFact]
    public async Task The_served_statement_json_is_its_canonical_bytes()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var bytes = await App.Anonymous().Http.GetByteArrayAsync(y.Public("/statements/2026-10.json"));
        var text = Encoding.UTF8.GetString(bytes);
        var node = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(CanonicalJson.Serialize(node), text);           // RFC 8785: sorted keys, no escapes of non-ASCII
        Assert.DoesNotContain("\\u", text);
        Assert.Contains("物业", text);
        var keys = node.Select(kv => kv.Key).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);               // hash sorted in with the rest, not appended
        Assert.NotEqual("hash", keys[^1]);
        Assert.Equal(node["hash"]!.GetValue<string>(), StatementBook.HashOfPublished(node));
        var beside = await App.Anonymous().Http.GetByteArrayAsync(y.Public("/statements/2026-10/statement.json"));
        Assert.Equal(bytes, beside);
    }

    [SkippableFact]
    public async Task The_fiscal_data_package_is_a_valid_tabular_package()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        var descriptorText = await anonymous.Http.GetStringAsync(y.Public("/statements/2026-10/datapackage.json"));
        var descriptor = JsonNode.Parse(descriptorText)!.AsObject();
        Assert.Equal("tabular-data-package", descriptor["profile"]!.GetValue<string>());
        Assert.Equal("amount", descriptor["model"]!["measures"]!["amount"]!["source"]!.GetValue<string>());
        var resource = descriptor["resources"]![0]!;
        Assert.Equal("tabular-data-resource", resource["profile"]!.GetValue<string>());
        Assert.Null(resource["schema"]!["primaryKey"]);                 // an empty key is not Table Schema
        foreach (var source in descriptor["sources"]!.AsArray())
        {
            var path = source!["path"]!.GetValue<string>();
            Assert.False(path.StartsWith('/') || path.Contains("..", StringComparison.Ordinal) || path.Contains(':', StringComparison.Ordinal), path);
            var statement = await anonymous.GetJsonAsync(y.Public($"/statements/2026-10/{path}"));
            Assert.Equal("2026-10", statement["period"]!.GetValue<string>());
        }
        var data = await anonymous.Http.GetByteArrayAsync(y.Public($"/statements/2026-10/{resource["path"]!.GetValue<string>()}"));
        Assert.NotEqual((byte)0xEF, data[0]);                            // no byte-order mark under "encoding": "utf-8"
        var rows = Csv.Read(Encoding.UTF8.GetString(data)).ToList();
        var fields = resource["schema"]!["fields"]!.AsArray().Select(f => (Name: f!["name"]!.GetValue<string>(), Type: f["type"]!.GetValue<string>())).ToList();
        Assert.Equal(fields.Select(f => f.Name), rows[0]);
        foreach (var row in rows.Skip(1))
            for (var i = 0; i < fields.Count; i++)
            {
                if (fields[i].Type == "date") Assert.True(DateOnly.TryParseExact(row[i], "yyyy-MM-dd", out _), row[i]);
                if (fields[i].Type == "number") Assert.True(decimal.TryParse(row[i], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _), row[i]);
            }
        if (Environment.GetEnvironmentVariable("LEDGER_FORMATS_OUT") is { Length: > 0 } dir)
        {
            var package = Path.Combine(dir, "datapackage");
            Directory.CreateDirectory(package);
            await File.WriteAllTextAsync(Path.Combine(package, "datapackage.json"), descriptorText);
            await File.WriteAllBytesAsync(Path.Combine(package, "data.csv"), data);
            await File.WriteAllBytesAsync(Path.Combine(package, "statement.json"), await anonymous.Http.GetByteArrayAsync(y.Public("/statements/2026-10/statement.json")));
        }
    }

    [SkippableFact]
    public async Task Public_pages_have_no_empty_table_headers_and_a_favicon()
    {
        var y = await DisclosureYard.BuildAsync(App);
        var anonymous = App.Anonymous();
        var motion = (await y.Admin.GetJsonAsync(y.P("/motions")))["items"]![0]!["id"]!.GetValue<long>();
        foreach (var page in new[] { y.Public(), y.Public("/statements/2026-10"), y.Public("/statements/2026-10?lang=en"), y.Public($"/motions/{motion}"), y.Public($"/motions/{motion}?lang=en") })
        {
            var html = await anonymous.Http.GetStringAsync(page);
            var document = new HtmlParser().ParseDocument(html);
            Assert.NotEmpty(document.QuerySelectorAll("th"));
            Assert.DoesNotContain(document.QuerySelectorAll("th"), th => string.IsNullOrWhiteSpace(th.TextContent));
        }
        var icon = await anonymous.GetAsync("/favicon.ico");
        Assert.Equal(200, (int)icon.StatusCode);
        Assert.Equal("image/x-icon", icon.Content.Headers.ContentType?.MediaType);
        var bytes = await icon.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0, 0, 1, 0, 1, 0, 16, 16 }, bytes[..8]);   // an ICO with one 16×16 image
        Assert.Equal(6 + 16 + BitConverter.ToInt32(bytes, 14), bytes.Length);
    }
}

public sealed class SqliteFormatsTests(SqliteFixture fixture) : FormatsTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresFormatsTests(PostgresFixture fixture) : FormatsTests(fixture), IClassFixture<PostgresFixture>;
