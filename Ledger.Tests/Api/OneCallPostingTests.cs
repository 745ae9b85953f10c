using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>
/// Tries to break the one-call posting (issue 18: <c>CommunityWriter.PostAsync</c> and, on PostgreSQL,
/// <c>ledger_post_entry</c> against a per-instance cached head, chart and closed months) with a second service
/// instance on the same database writing in between: the head it cached moves, a month it thinks open is
/// closed, an account it does not know appears, a key it never saw is replayed or reused. Run once per engine
/// (on SQLite the same API runs the transactional path; two instances share the file).
/// </summary>
public abstract class OneCallPostingTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private static object Receipt(long amount, string date = "2026-10-15", string account = "5202", string memo = "广告收入") => new
    {
        date, memo, fund = "common",
        lines = new object[] { new { account = "1002", debit = amount }, new { account, credit = amount } },
    };

    private static async Task<long> SeqOf(HttpResponseMessage response) => (await response.AssertStatus(201))["seq"]!.GetValue<long>();

    private LedgerApp SecondInstance()
    {
        var other = new LedgerApp(App.Engine, connectionString: App.ConnectionString);
        _ = other.Server;
        return other;
    }

    private async Task<long> EntriesAsync(string slug)
    {
        var community = (await App.Service<CommunityBook>().FindAsync(slug))!;
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        return await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM entries WHERE community_id = @Id", new { community.Id });
    }

    [SkippableFact]
    public async Task Postings_from_two_instances_interleaved_and_at_once_keep_one_gapless_valid_chain()
    {
        var slug = await App.CommunityAsync();
        var a = await App.UserAsync(slug, "trustee_manager", "supervisor");
        using var other = SecondInstance();
        var b = other.SignedInAs(a); // one person through two instances: idempotency keys are the caller's
        var path = $"/api/v1/communities/{slug}/entries";

        // A caches head 1; B moves it to 2; A's next posting was hashed against 1 and must land at 3, chained to 2.
        Assert.Equal(1, await SeqOf(await a.PostAsync(path, Receipt(100), "i-1")));
        Assert.Equal(2, await SeqOf(await b.PostAsync(path, Receipt(200), "i-2")));
        Assert.Equal(3, await SeqOf(await a.PostAsync(path, Receipt(300), "i-3")));
        Assert.Equal(4, await SeqOf(await b.PostAsync(path, Receipt(400), "i-4")));

        // Both instances at once, with and without keys: every posting lands once, none is lost.
        var posts = Enumerable.Range(5, 40).Select(i => (i % 2 == 0 ? a : b).PostAsync(path, Receipt(i * 100, memo: $"两实例 {i}"), i % 3 == 0 ? null : $"i-{i}"));
        var seqs = new List<long>();
        foreach (var r in await Task.WhenAll(posts)) seqs.Add(await SeqOf(r));
        Assert.Equal(Enumerable.Range(5, 40).Select(i => (long)i), seqs.Order());

        // Replays of keys answered by the other instance: the stored response, nothing posted.
        var again = await a.PostAsync(path, Receipt(200), "i-2");
        Assert.Equal("true", again.Headers.GetValues("Idempotency-Replayed").Single());
        Assert.Equal(2, await SeqOf(again));
        var seven = await a.PostAsync(path, Receipt(700, memo: "两实例 7"), "i-7"); // first posted through B
        Assert.Equal("true", seven.Headers.GetValues("Idempotency-Replayed").Single());
        Assert.Equal(seqs[2], await SeqOf(seven));

        foreach (var api in new[] { a, b })
        {
            var integrity = await api.GetJsonAsync($"/api/v1/communities/{slug}/integrity");
            Assert.True(integrity["ok"]!.GetValue<bool>(), integrity.ToJsonString());
            Assert.Equal(44, integrity["seq"]!.GetValue<long>());
        }
        Assert.Equal(44, await EntriesAsync(slug));
        var tb = await a.GetJsonAsync($"/api/v1/communities/{slug}/trial-balance?month=2026-10");
        Assert.Equal(Enumerable.Range(1, 44).Sum(i => i * 100L), tb["totalDebit"]!.GetValue<long>());
        Assert.Equal(tb["totalDebit"]!.GetValue<long>(), tb["totalCredit"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task A_replay_gives_the_first_response_after_the_head_moved_and_a_different_request_with_the_key_is_refused()
    {
        var slug = await App.CommunityAsync();
        var a = await App.UserAsync(slug, "trustee_manager");
        using var other = SecondInstance();
        var b = other.SignedInAs(a);
        var path = $"/api/v1/communities/{slug}/entries";

        var first = await a.PostAsync(path, Receipt(700), "replay-1");
        var firstBody = await first.Content.ReadAsStringAsync();
        await b.PostAsync(path, Receipt(800), "replay-2");
        await a.PostAsync(path, Receipt(900));

        foreach (var api in new[] { a, b })
        {
            var replay = await api.PostAsync(path, Receipt(700), "replay-1");
            Assert.Equal(201, (int)replay.StatusCode);
            Assert.Equal("true", replay.Headers.GetValues("Idempotency-Replayed").Single());
            Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());
            await (await api.PostAsync(path, Receipt(701), "replay-1")).AssertProblem(409, Codes.IdempotencyKeyReused);
            // A request the rules refuse today, with a key already used: the key's answer comes first, as before.
            await (await api.PostAsync(path, Receipt(700, "2026-12-01"), "replay-1")).AssertProblem(409, Codes.IdempotencyKeyReused);
        }
        Assert.Equal(3, await EntriesAsync(slug));
    }

    [SkippableFact]
    public async Task A_month_closed_and_an_account_added_by_the_other_instance_are_seen_by_the_next_posting()
    {
        var slug = await App.CommunityAsync();
        var a = await App.UserAsync(slug, "trustee_manager");
        using var other = SecondInstance();
        var b = await other.UserAsync(slug, "trustee_manager", "community_admin");
        var path = $"/api/v1/communities/{slug}/entries";

        // A has cached the community with 2026-10 open and no account 520201.
        await SeqOf(await a.PostAsync(path, Receipt(100, "2026-10-31"), "m-1"));
        await (await b.PostAsync($"/api/v1/communities/{slug}/months/2026-09/close", null)).AssertStatus(200);
        await (await b.PostAsync($"/api/v1/communities/{slug}/months/2026-10/close", null)).AssertStatus(200);
        await (await b.PostAsync($"/api/v1/communities/{slug}/accounts", new { code = "520201", name = "场地租金", parentCode = "5202" })).AssertStatus(201);

        var closed = await (await a.PostAsync(path, Receipt(100, "2026-10-30"), "m-2")).AssertProblem(422, Codes.MonthClosed);
        var direct = await (await b.PostAsync(path, Receipt(100, "2026-10-30"), "m-3")).AssertProblem(422, Codes.MonthClosed);
        Assert.Equal(direct["detail"]!.ToJsonString(), closed["detail"]!.ToJsonString());
        Assert.Equal(1, await EntriesAsync(slug));

        // Refused keys are not stored: the same key may be used again once the request is right.
        Assert.Equal(2, await SeqOf(await a.PostAsync(path, Receipt(100, "2026-11-02", "520201"), "m-2")));
        await (await a.PostAsync(path, Receipt(100, "2026-11-02", "520299"), "m-4")).AssertProblem(422, Codes.UnknownAccount);
        var integrity = await a.GetJsonAsync($"/api/v1/communities/{slug}/integrity");
        Assert.True(integrity["ok"]!.GetValue<bool>(), integrity.ToJsonString());
        Assert.Equal(2, integrity["seq"]!.GetValue<long>());
    }
}

public sealed class SqliteOneCallPostingTests(SqliteFixture fixture) : OneCallPostingTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresOneCallPostingTests(PostgresFixture fixture) : OneCallPostingTests(fixture), IClassFixture<PostgresFixture>;
