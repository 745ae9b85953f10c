using Dapper;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;
using Npgsql;

namespace Ledger.Tests.Store;

/// <summary>
/// Tries to break PostgreSQL's group commit (<see cref="PostingCombiner"/>): postings of several communities sent at
/// once share a round trip and a commit, each with its own outcome; a batch the database refuses at commit (an
/// unbalanced entry, past the application's checks) writes nothing, and every other posting in it still lands on its own.
/// </summary>
public sealed class PostgresPostingCombinerTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private LedgerApp App => fixture.App;
    private LedgerDatabase Db => App.Service<LedgerDatabase>();
    private PostingCombiner Combiner => Db.Combiner!;

    private sealed record Head(long Id, long HeadSeq, string HeadChainHash);

    private async Task<Head> CommunityAsync()
    {
        var id = (await App.Service<CommunityBook>().FindAsync(await App.CommunityAsync()))!.Id;
        await using var connection = await Db.OpenAsync();
        return await connection.QuerySingleAsync<Head>("SELECT id, head_seq, head_chain_hash FROM communities WHERE id = @id", new { id });
    }

    /// <summary>A manual entry of <paramref name="debit"/> to 1002 and <paramref name="credit"/> from 5202, chained to the community's head.</summary>
    private static PostingCall Entry(Head head, long debit, long credit, string key)
    {
        var seq = head.HeadSeq + 1;
        var hash = $"{head.Id:x8}{seq:x8}".PadRight(64, 'e');
        object?[] entry = [head.Id, seq, "2026-10-15", "2026-10", "合并提交", "common", "manual", null, false, hash, hash, "2026-10-15T00:00:00.000Z", null, null];
        List<object?[]> lines = [[head.Id, seq, 1L, "1002", "D", debit, null], [head.Id, seq, 2L, "5202", "C", credit, null]];
        var posting = new PendingPosting(entry, lines, [("1002", debit, 0L), ("5202", 0L, credit)], []);
        return CommunityWriter.EntryCall(posting, new IdempotencyClaim(key, "request-" + key), new StoredResponse(201, $$"""{"seq":{{seq}}}"""), head.HeadChainHash);
    }

    private async Task<long> EntriesAsync(long id)
    {
        await using var connection = await Db.OpenAsync();
        return await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM entries WHERE community_id = @id", new { id });
    }

    /// <summary>Communities for <see cref="Occupy"/>.</summary>
    private async Task<List<Head>> SpareAsync()
    {
        var spare = new List<Head>();
        for (var i = 0; i < Combiner.MaxWriters; i++) spare.Add(await CommunityAsync());
        return spare;
    }

    /// <summary>Every writer busy with a posting of its own (sent back to back, nothing awaited), so what is sent next
    /// queues behind them and leaves as one batch.</summary>
    private List<Task<PostReply>> Occupy(List<Head> spare) => spare.Select((h, i) => Combiner.CallAsync(Entry(h, 50, 50, $"busy-{i}"))).ToList();

    [SkippableFact]
    public async Task Postings_of_several_communities_sent_at_once_share_a_batch_and_each_gets_its_own_outcome()
    {
        var heads = new List<Head>();
        for (var i = 0; i < 8; i++) heads.Add(await CommunityAsync());
        var replayed = heads[0];
        Assert.Equal("posted", (await Combiner.CallAsync(Entry(replayed, 10, 10, "first"))).Outcome);
        var spare = await SpareAsync();
        var before = Combiner.Written;

        var calls = Occupy(spare);
        // The first community's head moved (the call still names the old one, with the key it used): replayed, not posted again.
        calls.Add(Combiner.CallAsync(Entry(replayed, 10, 10, "first")));
        calls.AddRange(heads.Skip(1).Select((h, i) => Combiner.CallAsync(Entry(h, 100 + i, 100 + i, $"k-{i}"))));
        var replies = await Task.WhenAll(calls);

        var written = Combiner.Written;
        Assert.True(written.Largest >= 2, $"no batch of two or more: {written}");
        Assert.True(written.Calls - before.Calls >= replies.Length, $"{written} after {before}");
        Assert.Equal("replayed", replies[Combiner.MaxWriters].Outcome);
        Assert.Equal("""{"seq":1}""", replies[Combiner.MaxWriters].ResponseBody);
        Assert.All(replies.Where((_, i) => i != Combiner.MaxWriters), r => Assert.Equal("posted", r.Outcome));
        Assert.Equal(1, await EntriesAsync(replayed.Id));
        foreach (var h in heads.Skip(1)) Assert.Equal(1, await EntriesAsync(h.Id));
    }

    [SkippableFact]
    public async Task A_batch_refused_at_commit_writes_nothing_and_its_other_postings_land_one_by_one()
    {
        var good = new[] { await CommunityAsync(), await CommunityAsync(), await CommunityAsync() };
        var bad = await CommunityAsync();
        var spare = await SpareAsync();
        var before = Combiner.Written;

        var busy = Occupy(spare);
        var goodCalls = good.Select((h, i) => Combiner.CallAsync(Entry(h, 700 + i, 700 + i, $"g-{i}"))).ToList();
        var badCall = Combiner.CallAsync(Entry(bad, 500, 499, "unbalanced")); // debits differ from credits: the commit-time check refuses it
        await Task.WhenAll(busy);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => badCall);
        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        Assert.Contains("entry_unbalanced", refused.MessageText);
        Assert.All(await Task.WhenAll(goodCalls), r => Assert.Equal("posted", r.Outcome));
        Assert.True(Combiner.Written.Split > before.Split, $"the batch was not split: {Combiner.Written}");

        foreach (var h in good) Assert.Equal(1, await EntriesAsync(h.Id));
        Assert.Equal(0, await EntriesAsync(bad.Id));
        await using var connection = await Db.OpenAsync();
        var head = await connection.QuerySingleAsync<Head>("SELECT id, head_seq, head_chain_hash FROM communities WHERE id = @Id", new { bad.Id });
        Assert.Equal(bad, head); // the refused posting moved nothing, not even its head
        Assert.Equal(0, await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM idempotency_keys WHERE community_id = @Id", new { bad.Id }));
    }

    [SkippableFact]
    public async Task Postings_waiting_for_the_group_commit_hold_no_connection_so_a_small_pool_still_serves_them_all()
    {
        // Three connections for twelve postings at once: a posting that kept its connection while it waited for a
        // writer would leave the writers none, and every posting would wait out the pool's timeout.
        using var small = new LedgerApp(App.Engine, connectionString: App.ConnectionString + ";Maximum Pool Size=3;Timeout=5");
        var posts = new List<Task<HttpResponseMessage>>();
        var people = new List<(ApiClient Api, string Slug)>();
        for (var i = 0; i < 12; i++)
        {
            var slug = await App.CommunityAsync();
            people.Add((small.SignedInAs(await App.UserAsync(slug, "trustee_manager")), slug));
        }
        foreach (var (api, slug) in people)
            posts.Add(api.PostAsync($"/api/v1/communities/{slug}/entries", new
            {
                date = "2026-10-15", memo = "小连接池", fund = "common",
                lines = new object[] { new { account = "1002", debit = 100 }, new { account = "5202", credit = 100 } },
            }, $"pool-{slug}"));
        foreach (var response in await Task.WhenAll(posts)) await response.AssertStatus(201);
    }
}
