using Dapper;
using Ledger.Bench;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Store;

/// <summary>
/// The city-close generator's cloner (bench/Ledger.Bench/CommunityClone.cs, PostgreSQL only, like the benchmark):
/// a clone passes the integrity check on its own (its chain re-hashed with its slug and unit ids), shares no row
/// id with its template, and the service's next billing run treats it exactly as it treats the template.
/// </summary>
public sealed class PostgresCommunityCloneTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private LedgerApp App => fixture.App;

    [SkippableFact]
    public async Task A_clone_verifies_on_its_own_and_bills_like_its_template()
    {
        var db = App.Service<LedgerDatabase>();
        var fees = App.Service<FeeBook>();
        var register = App.Service<RegisterBook>();
        var writer = App.Service<CommunityWriter>();
        var integrity = App.Service<Integrity>();
        var template = (await App.Service<CommunityBook>().FindAsync(await App.CommunityAsync()))!;
        IReadOnlyList<long> units = [];
        Assert.IsType<WriteOutcome.Done>(await writer.RunAsync(template, null, null, async scope =>
        {
            units = await register.AddUnitsAsync(scope, Enumerable.Range(1, 40).Select(i =>
                new ImportRow(new NewUnit("1栋", $"{i}", "residential", 6_000 + i * 37, "registered", true), $"业主{i}", "person")).ToList());
            await fees.SetScheduleAsync(scope, new Month(2026, 9), new Dictionary<string, long> { ["residential"] = 18_000 });
            var run = await fees.RunBillingAsync(scope, new Month(2026, 9));
            if (!run.Ok) return run.Failure!;
            // Some pay part of the bill, some more than it (a prepayment the next billing run settles).
            var paid = await fees.PayManyAsync(scope, units.Select((u, k) =>
                new FeeBook.NewPayment(u, 3_000 + k * 1_000, new DateOnly(2026, 9, 1 + k % 25), "bank", $"P-{k}")).ToList());
            return paid.Ok ? new StoredResponse(200, "{}") : paid.Failure!;
        }));

        var cloner = await CommunityClone.PrepareAsync(db, template);
        var clones = new List<CommunityInfo>();
        for (var n = 1; n <= 2; n++) clones.Add(await cloner.CloneAsync($"{template.Slug[..Math.Min(template.Slug.Length, 30)]}-k{n}", n));
        await cloner.FinishAsync();

        await using var connection = await db.OpenAsync();
        var templateEntries = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM entries WHERE community_id = @Id", new { template.Id });
        var templateUnits = units.ToHashSet();
        foreach (var clone in clones)
        {
            var report = await integrity.CheckAsync(clone);
            Assert.True(report.Ok, report.Problems.FirstOrDefault()?.ToString());
            Assert.Equal(templateEntries, report.Seq);
            // Re-hashed, not copied: the chain names the clone.
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("""
                SELECT count(*) FROM entries c JOIN entries t ON t.community_id = @T AND t.seq = c.seq AND t.entry_hash = c.entry_hash WHERE c.community_id = @C
                """, new { T = template.Id, C = clone.Id }));
            var cloneUnits = (await connection.QueryAsync<long>("SELECT id FROM units WHERE community_id = @Id", new { clone.Id })).ToList();
            Assert.Equal(units.Count, cloneUnits.Count);
            Assert.DoesNotContain(cloneUnits, templateUnits.Contains);
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("""
                SELECT count(*) FROM entry_lines l WHERE l.community_id = @Id AND l.unit_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM units u WHERE u.community_id = l.community_id AND u.id = l.unit_id)
                """, new { clone.Id }));
        }
        Assert.True((await integrity.CheckAsync(template)).Ok);

        // The next month's billing run, through the service, on the template and on a clone: the same bills and balances.
        async Task<string[]> BillAndReadAsync(CommunityInfo c)
        {
            Assert.IsType<WriteOutcome.Done>(await writer.RunAsync(c, null, null, async scope =>
            {
                var run = await fees.RunBillingAsync(scope, new Month(2026, 10));
                return run.Ok ? new StoredResponse(201, "{}") : run.Failure!;
            }));
            Assert.True((await integrity.CheckAsync(c)).Ok);
            var unitIndex = (await connection.QueryAsync<long>("SELECT id FROM units WHERE community_id = @Id ORDER BY id", new { c.Id }))
                .Select((u, k) => (u, k)).ToDictionary(x => x.u, x => x.k);
            var bills = await connection.QueryAsync<(long Unit, string Month, long Amount, long Paid, long Seq)>(
                "SELECT unit_id, month, amount_fen, paid_fen, seq FROM bills WHERE community_id = @Id", new { c.Id });
            var balances = await connection.QueryAsync<(string Account, long Unit, string Month, long D, long C)>(
                "SELECT account_code, unit_id, month, debit_fen, credit_fen FROM unit_balances WHERE community_id = @Id", new { c.Id });
            return [.. bills.Select(b => $"bill {unitIndex[b.Unit]} {b.Month} {b.Amount} {b.Paid} {b.Seq}")
                .Concat(balances.Select(b => $"balance {b.Account} {unitIndex[b.Unit]} {b.Month} {b.D} {b.C}")).Order(StringComparer.Ordinal)];
        }
        var expected = await BillAndReadAsync(template);
        Assert.Contains(expected, s => s.StartsWith("balance 2203 ", StringComparison.Ordinal));
        Assert.Equal(expected, await BillAndReadAsync(clones[1]));
    }
}
