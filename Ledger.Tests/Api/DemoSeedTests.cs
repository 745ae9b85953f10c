using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>The demo community the embedded database is seeded with on first start (SQLite, the demo's engine).</summary>
public sealed class DemoSeedTests
{
    /// <summary>
    /// Started at half past midnight on the first of a month (Shanghai): last month is not yet at its close day,
    /// so it stays open, and nothing seeded (closes, statements, reconciliations, entries, decisions) is dated later than now.
    /// </summary>
    [SkippableFact]
    public async Task Nothing_seeded_is_dated_after_the_first_start_even_early_in_a_month()
    {
        var now = new DateTimeOffset(2026, 11, 30, 16, 30, 0, TimeSpan.Zero); // 2026-12-01 00:30 in Shanghai
        using var app = new LedgerApp(Engine.Sqlite, new Dictionary<string, string?> { ["Ledger:Demo:Seed"] = "true" });
        app.Clock.Set(now);
        _ = app.Server; // the seed runs on first start
        var instant = Dates.Instant(now);
        await using var connection = await app.Service<LedgerDatabase>().OpenAsync();
        async Task<string?> LatestAsync(string sql) => await connection.QuerySingleAsync<string?>(sql);

        Assert.Equal("2026-10", await LatestAsync("SELECT MAX(month) FROM closed_months"));
        foreach (var (what, sql) in new[]
        {
            ("a month's close", "SELECT MAX(closed_at) FROM closed_months"),
            ("a statement built", "SELECT MAX(built_at) FROM statements"),
            ("a statement published", "SELECT MAX(published_at) FROM statements"),
            ("a reconciliation signed", "SELECT MAX(signed_at) FROM bank_reconciliations"),
            ("an entry written", "SELECT MAX(created_at) FROM entries"),
            ("a spending decision", "SELECT MAX(decided_at) FROM spending_decisions"),
            ("an audited action", "SELECT MAX(at) FROM audit_log"),
        })
        {
            var latest = await LatestAsync(sql);
            Assert.True(latest is not null && string.CompareOrdinal(latest, instant) <= 0, $"{what} at {latest}, after {instant}");
        }
        Assert.True(string.CompareOrdinal(await LatestAsync("SELECT MAX(entry_date) FROM entries"), "2026-12-01") <= 0);
        Assert.True(string.CompareOrdinal(await LatestAsync("SELECT MAX(paid_on) FROM spending_requests"), "2026-12-01") <= 0);
    }
}
