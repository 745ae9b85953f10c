using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>The ledger guarantees through the HTTP API, run once per storage engine.</summary>
public abstract class LedgerApiTests(EngineFixture fixture)
{
    protected LedgerApp App => fixture.App;

    private static object Receipt(long amount, string date = "2026-10-15", string account = "5202", string memo = "广告收入") => new
    {
        date, memo, fund = "common",
        lines = new object[] { new { account = "1002", debit = amount }, new { account, credit = amount } },
    };

    private async Task<(string Slug, ApiClient Manager)> BooksAsync()
    {
        var slug = await App.CommunityAsync();
        return (slug, await App.UserAsync(slug, "trustee_manager", "supervisor"));
    }

    private static async Task<long> HeadAsync(ApiClient api, string slug) =>
        (await api.GetJsonAsync($"/api/v1/communities/{slug}/integrity"))["seq"]!.GetValue<long>();

    [SkippableFact]
    public async Task Balanced_entry_is_posted_with_a_recomputable_hash_chain()
    {
        var (slug, api) = await BooksAsync();
        var first = await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(12_345))).AssertStatus(201);
        var second = await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(500, memo: "第二笔 \"quoted\" \\ </script>"))).AssertStatus(201);

        Assert.Equal(1, first["seq"]!.GetValue<long>());
        Assert.Equal(2, second["seq"]!.GetValue<long>());
        foreach (var (entry, previous) in new[] { (first, HashChain.Genesis), (second, first["chainHash"]!.GetValue<string>()) })
        {
            var canonical = new JsonObject
            {
                ["community"] = slug, ["seq"] = entry["seq"]!.DeepClone(), ["date"] = entry["date"]!.DeepClone(),
                ["memo"] = entry["memo"]!.DeepClone(), ["fund"] = entry["fund"]!.DeepClone(), ["lines"] = entry["lines"]!.DeepClone(),
            };
            var entryHash = CanonicalJson.Sha256Hex(canonical);
            Assert.Equal(entryHash, entry["entryHash"]!.GetValue<string>());
            Assert.Equal(HashChain.Next(previous, entryHash), entry["chainHash"]!.GetValue<string>());
        }
        var integrity = await api.GetJsonAsync($"/api/v1/communities/{slug}/integrity");
        Assert.True(integrity["ok"]!.GetValue<bool>(), integrity.ToJsonString());
        Assert.Equal(second["chainHash"]!.GetValue<string>(), integrity["chainHash"]!.GetValue<string>());
    }

    public static TheoryData<string, object[], string> BadEntries => new()
    {
        { "one line", [new { account = "1002", debit = 100 }], Codes.EntryUnbalanced },
        { "debits differ from credits", [new { account = "1002", debit = 100 }, new { account = "5202", credit = 99 }], Codes.EntryUnbalanced },
        { "zero amount", [new { account = "1002", debit = 0 }, new { account = "5202", credit = 0 }], Codes.AmountNotPositive },
        { "negative amounts", [new { account = "1002", debit = -100 }, new { account = "5202", credit = -100 }], Codes.AmountNotPositive },
        { "unknown account", [new { account = "1002", debit = 100 }, new { account = "9999", credit = 100 }], Codes.UnknownAccount },
        { "maintenance account in a common entry", [new { account = "1002", debit = 100 }, new { account = "5301", credit = 100 }], Codes.FundMismatch },
        { "receivable by hand", [new { account = "1122", debit = 100, unitId = 1 }, new { account = "5101", credit = 100 }], Codes.SubledgerRequiresFlow },
        { "revenue line naming a unit", [new { account = "1002", debit = 100, unitId = 1 }, new { account = "5202", credit = 100 }], Codes.UnitNotAllowed },
        { "cash taken out by hand", [new { account = "6103", debit = 100 }, new { account = "1002", credit = 100 }], Codes.CashOutRequiresRequest },
        { "amount beyond a trillion yuan", [new { account = "1002", debit = 200_000_000_000_000 }, new { account = "5202", credit = 200_000_000_000_000 }], Codes.AmountTooLarge },
    };

    [SkippableTheory]
    [MemberData(nameof(BadEntries))]
    public async Task Entry_breaking_a_rule_is_refused_and_changes_nothing(string why, object[] lines, string code)
    {
        var (slug, api) = await BooksAsync();
        await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(1_000))).AssertStatus(201);
        var before = await api.GetJsonAsync($"/api/v1/communities/{slug}/trial-balance?month=2026-10");

        var response = await api.PostAsync($"/api/v1/communities/{slug}/entries", new { date = "2026-10-16", memo = why, fund = "common", lines });

        await response.AssertProblem(422, code);
        Assert.Equal(1, await HeadAsync(api, slug));
        var after = await api.GetJsonAsync($"/api/v1/communities/{slug}/trial-balance?month=2026-10");
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
    }

    [SkippableFact]
    public async Task Reversal_restores_both_balances_and_an_entry_is_reversed_once()
    {
        var (slug, api) = await BooksAsync();
        var entry = await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(8_800))).AssertStatus(201);
        var seq = entry["seq"]!.GetValue<long>();

        var reversal = await (await api.PostAsync($"/api/v1/communities/{slug}/entries/{seq}/reversal", new { reason = "录入错误" })).AssertStatus(201);
        Assert.Equal(seq, reversal["reverses"]!.GetValue<long>());
        Assert.Equal("2026-11-21", reversal["date"]!.GetValue<string>()); // dated today, in the current month

        var accounts = (await api.GetJsonAsync($"/api/v1/communities/{slug}/accounts"))["items"]!.AsArray();
        Assert.All(accounts, a => Assert.Equal(0, a!["balance"]!.GetValue<long>()));
        var original = await api.GetJsonAsync($"/api/v1/communities/{slug}/entries/{seq}");
        Assert.Equal(reversal["seq"]!.GetValue<long>(), original["reversedBy"]!.GetValue<long>());

        var again = await api.PostAsync($"/api/v1/communities/{slug}/entries/{seq}/reversal", new { reason = "再来一次" });
        await again.AssertProblem(409, Codes.AlreadyReversed);
        Assert.Equal(2, await HeadAsync(api, slug));
    }

    [SkippableFact]
    public async Task Closed_month_accepts_nothing_and_months_close_in_order()
    {
        var (slug, api) = await BooksAsync();
        await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(100, "2026-10-31"))).AssertStatus(201);

        await (await api.PostAsync($"/api/v1/communities/{slug}/months/2026-10/close", null)).AssertProblem(409, Codes.EarlierMonthOpen);
        await (await api.PostAsync($"/api/v1/communities/{slug}/months/2026-09/close", null)).AssertStatus(200);
        var closed = await (await api.PostAsync($"/api/v1/communities/{slug}/months/2026-10/close", null)).AssertStatus(200);
        Assert.Equal(1, closed["seq"]!.GetValue<long>());
        var again = await (await api.PostAsync($"/api/v1/communities/{slug}/months/2026-10/close", null)).AssertStatus(200);
        Assert.Equal(closed.ToJsonString(), again.ToJsonString()); // idempotent

        await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(100, "2026-10-31"))).AssertProblem(422, Codes.MonthClosed);
        await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(100, "2026-08-31"))).AssertProblem(422, Codes.MonthNotOpen);
        await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(100, "2026-11-22"))).AssertProblem(422, Codes.MonthNotOpen);
        await (await api.PostAsync($"/api/v1/communities/{slug}/months/2026-11/close", null)).AssertProblem(422, Codes.MonthNotOpen);
        await (await api.PostAsync($"/api/v1/communities/{slug}/entries/1/reversal", new { reason = "跨月更正" })).AssertStatus(201);
        Assert.Equal(2, await HeadAsync(api, slug));
    }

    [SkippableFact]
    public async Task Idempotency_key_replays_the_first_result_and_refuses_a_different_request()
    {
        var (slug, api) = await BooksAsync();
        var path = $"/api/v1/communities/{slug}/entries";
        var first = await api.PostAsync(path, Receipt(700), "key-1");
        var firstBody = await first.Content.ReadAsStringAsync();
        var replay = await api.PostAsync(path, Receipt(700), "key-1");

        Assert.Equal(201, (int)replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotency-Replayed").Single());
        Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());
        Assert.False(first.Headers.Contains("Idempotency-Replayed"));

        await (await api.PostAsync(path, Receipt(701), "key-1")).AssertProblem(409, Codes.IdempotencyKeyReused);
        await (await api.PostAsync(path, Receipt(700), new string('k', 101))).AssertProblem(400, Codes.ValidationFailed);
        Assert.Equal(1, await HeadAsync(api, slug));
    }

    [SkippableFact]
    public async Task Two_idempotency_key_headers_are_refused_and_change_nothing()
    {
        var (slug, api) = await BooksAsync();
        var path = $"/api/v1/communities/{slug}/entries";
        var twice = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(Receipt(700)) };
        twice.Headers.TryAddWithoutValidation("Idempotency-Key", ["key-a", "key-b"]);
        var refused = await (await api.Http.SendAsync(twice)).AssertProblem(400, Codes.ValidationFailed);
        Assert.NotNull(refused["errors"]?["Idempotency-Key"]);
        Assert.Equal(0, await HeadAsync(api, slug));
        // Nothing was kept under either key or both joined: each is free for another request.
        foreach (var key in new[] { "key-a,key-b", "key-a", "key-b" })
            await (await api.PostAsync(path, Receipt(701), key)).AssertStatus(201);
        Assert.Equal(3, await HeadAsync(api, slug));
    }

    [SkippableFact]
    public async Task Fifty_concurrent_posts_leave_a_gapless_verifiable_chain_and_a_zero_trial_balance()
    {
        var (slug, api) = await BooksAsync();
        var posts = Enumerable.Range(1, 50).Select(i =>
            api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(i * 100, memo: $"并发 {i}"), $"concurrent-{i}"));
        var responses = await Task.WhenAll(posts);
        Assert.All(responses, r => Assert.Equal(201, (int)r.StatusCode));

        var seqs = new List<long>();
        foreach (var r in responses) seqs.Add((await r.Json())["seq"]!.GetValue<long>());
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), seqs.Order());

        var integrity = await api.GetJsonAsync($"/api/v1/communities/{slug}/integrity");
        Assert.True(integrity["ok"]!.GetValue<bool>(), integrity.ToJsonString());
        Assert.Equal(50, integrity["seq"]!.GetValue<long>());
        var tb = await api.GetJsonAsync($"/api/v1/communities/{slug}/trial-balance?month=2026-10");
        Assert.Equal(tb["totalDebit"]!.GetValue<long>(), tb["totalCredit"]!.GetValue<long>());
        Assert.Equal(Enumerable.Range(1, 50).Sum(i => i * 100L), tb["totalDebit"]!.GetValue<long>());

        var page = await api.GetJsonAsync($"/api/v1/communities/{slug}/entries?limit=20");
        Assert.Equal(20, page["items"]!.AsArray().Count);
        var next = await api.GetJsonAsync($"/api/v1/communities/{slug}/entries?limit=20&after={page["next"]}");
        Assert.Equal(21, next["items"]![0]!["seq"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task Sub_accounts_extend_the_chart_and_roll_up_into_their_parent()
    {
        var (slug, api) = await BooksAsync();
        await (await api.PostAsync($"/api/v1/communities/{slug}/accounts", new { code = "520201", name = "电梯广告", parentCode = "5202" })).AssertStatus(201);
        await (await api.PostAsync($"/api/v1/communities/{slug}/accounts", new { code = "520201", name = "重复", parentCode = "5202" })).AssertProblem(409, Codes.AccountExists);
        await (await api.PostAsync($"/api/v1/communities/{slug}/accounts", new { code = "610301", name = "无父", parentCode = "6199" })).AssertProblem(422, Codes.UnknownAccount);
        await (await api.PostAsync($"/api/v1/communities/{slug}/entries", Receipt(2_500, account: "520201"))).AssertStatus(201);

        var accounts = (await api.GetJsonAsync($"/api/v1/communities/{slug}/accounts?month=2026-10"))["items"]!.AsArray();
        long Balance(string code) => accounts.Single(a => a!["code"]!.GetValue<string>() == code)!["balance"]!.GetValue<long>();
        Assert.Equal(-2_500, Balance("520201"));
        Assert.Equal(-2_500, Balance("5202"));
        Assert.Equal(2_500, Balance("1002"));
    }

    [SkippableFact]
    public async Task Malformed_requests_get_problem_json_and_change_nothing()
    {
        var (slug, api) = await BooksAsync();
        var path = $"/api/v1/communities/{slug}/entries";
        await (await api.PostRawAsync(path, "{not json")).AssertProblem(400, Codes.MalformedRequest);
        await (await api.PostRawAsync(path, """{"date":"2026-10-01","memo":"x","fund":"common","lines":[{"account":"1002","debit":"100"},{"account":"5202","credit":100}]}"""))
            .AssertProblem(400, Codes.MalformedRequest);
        await (await api.PostRawAsync(path, """{"date":"2026-10-01","memo":"x","fund":"common","lines":[{"account":"1002","debit":1e40},{"account":"5202","credit":1}]}"""))
            .AssertProblem(400, Codes.MalformedRequest);
        await (await api.PostRawAsync(path, """{"date":"2026-10-01","memo":"x","fund":"common","lines":[{"account":"1002","debit":12.345},{"account":"5202","credit":12.345}]}"""))
            .AssertProblem(400, Codes.MalformedRequest);
        await (await api.PostRawAsync(path, """[1,2,3]""")).AssertProblem(400, Codes.MalformedRequest);
        await (await api.PostRawAsync(path, "")).AssertProblem(400, Codes.MalformedRequest);
        var missing = await (await api.PostRawAsync(path, """{"memo":"x"}""")).AssertProblem(400, Codes.ValidationFailed);
        Assert.NotNull(missing["errors"]!["date"]);
        Assert.NotNull(missing["errors"]!["lines"]);
        await (await api.PostAsync(path, new { date = "2026-13-01", memo = "x", fund = "common", lines = Array.Empty<object>() })).AssertProblem(400, Codes.ValidationFailed);
        await (await api.PostAsync(path, Receipt(100, memo: new string('长', 100_000)))).AssertProblem(400, Codes.ValidationFailed);
        await (await api.PostAsync(path, new { date = "2026-10-01", memo = "x", fund = "common", lines = new object[] { new { account = "1002'; DROP TABLE entries;--", debit = 1 }, new { account = "5202", credit = 1 } } }))
            .AssertProblem(400, Codes.ValidationFailed);
        await (await api.PostRawAsync(path, "<xml/>", "text/xml")).AssertProblem(415, "unsupported_media_type");
        await (await api.GetAsync($"/api/v1/communities/{slug}/entries?limit=0")).AssertProblem(400, Codes.ValidationFailed);
        await (await api.GetAsync($"/api/v1/communities/{slug}/entries?limit=abc")).AssertProblem(400, Codes.MalformedRequest);
        await (await api.GetAsync($"/api/v1/communities/{slug}/trial-balance?month=2026-1")).AssertProblem(400, Codes.ValidationFailed);
        await (await api.GetAsync($"/api/v1/communities/{slug}/entries/999")).AssertProblem(404, Codes.NotFound);
        await (await api.GetAsync("/api/v1/no-such-route")).AssertProblem(404, Codes.NotFound);
        Assert.Equal(0, await HeadAsync(api, slug));
    }
}

public sealed class SqliteLedgerApiTests(SqliteFixture fixture) : LedgerApiTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresLedgerApiTests(PostgresFixture fixture) : LedgerApiTests(fixture), IClassFixture<PostgresFixture>;
