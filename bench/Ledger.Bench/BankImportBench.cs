using System.Diagnostics;
using System.Security.Cryptography;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Bench;

/// <summary>
/// A year of a 2,000-unit community's bank lines (12 × 2,000 fee payments plus revenue, payouts and
/// bank charges: about 25,000 lines) as one camt.053 file, imported on embedded SQLite through the
/// store's own code (parse, running balances, duplicate check, chaining, matching every line against
/// the journal's 24,000 payments, insert) against a baseline in the same run: the bare parse and a
/// plain insert of the same lines in one transaction, with no checks and no matching.
/// </summary>
public static class BankImportBench
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    public static async Task<int> RunAsync(int unitCount, int runs)
    {
        var clock = new FixedClock(new DateTimeOffset(2027, 1, 5, 2, 0, 0, TimeSpan.Zero));
        var ours = new List<double>();
        var baseline = new List<double>();
        var lineCount = 0;
        for (var run = 0; run < runs; run++)
        {
            var path = Path.Combine(Path.GetTempPath(), $"ledger-bank-bench-{Guid.NewGuid():N}.db");
            try
            {
                await using var db = new LedgerDatabase(Engine.Sqlite, $"Data Source={path}");
                await new Migrator(db).MigrateAsync();
                var communities = new CommunityBook(db, clock);
                var community = (await communities.CreateAsync(new NewCommunity("bank-bench", "基准小区", "Asia/Shanghai", 1, new Month(2026, 1)))).Value!;
                var journal = new Journal(db);
                var register = new RegisterBook(db, clock);
                var fees = new FeeBook(db, journal);
                var bank = new BankBook(db, fees);
                var writer = new CommunityWriter(db, clock);

                // The books: every unit pays 180 yuan each month; parking revenue monthly.
                var setup = Stopwatch.StartNew();
                await Must(writer.DoAsync(community, null, async scope =>
                {
                    await register.AddUnitsAsync(scope, Enumerable.Range(1, unitCount).Select(i =>
                        new ImportRow(new NewUnit($"{1 + i / 100}栋", $"{i}", "residential", 10_000, "registered", true), $"业主{i}", "person")).ToList());
                    return null;
                }));
                var unitIds = new List<long>();
                await using (var c = await db.OpenAsync()) unitIds = (await c.QueryAsync<long>("SELECT id FROM units WHERE community_id = @Id ORDER BY id", new { community.Id })).ToList();
                var lines = new List<BankLine>();
                long balance = 0;
                for (var m = 1; m <= 12; m++)
                {
                    var month = new Month(2026, m);
                    var paid = new List<(DateOnly Day, long Unit, string Ref)>();
                    for (var i = 0; i < unitIds.Count; i++) paid.Add((month.FirstDay.AddDays(i % 25), unitIds[i], $"P-{month}-{unitIds[i]}"));
                    await Must(writer.DoAsync(community, null, async scope =>
                    {
                        foreach (var p in paid)
                            if (await fees.PayAsync(scope, p.Unit, 18_000, p.Day, "bank", p.Ref) is { Ok: false } f) return f.Failure;
                        var r = await fees.ReceiveAsync(scope, "parking", 3_000_000, month.FirstDay.AddDays(9), "停车公司", "停车费", $"PK-{month}");
                        return r.Ok ? null : r.Failure;
                    }));
                    var n = 0;
                    var parking = false;
                    foreach (var p in paid.OrderBy(p => p.Day))
                    {
                        balance += 18_000;
                        lines.Add(new BankLine(++n, p.Day, 18_000, balance, $"B{month}{n:D5}", p.Ref, "个人转账", "物业费"));
                        if (!parking && p.Day >= month.FirstDay.AddDays(9))
                        {
                            parking = true;
                            balance += 3_000_000;
                            lines.Add(new BankLine(++n, p.Day, 3_000_000, balance, $"B{month}{n:D5}", $"PK-{month}", "停车公司", "停车费"));
                        }
                    }
                    // What only the bank knows: transfer charges, about 80 a month.
                    for (var k = 0; k < 80; k++)
                    {
                        balance -= 50;
                        lines.Add(new BankLine(++n, month.LastDay, -50, balance, $"B{month}{n:D5}", null, "招商银行", "跨行转账手续费"));
                    }
                }
                lineCount = lines.Count;
                var camt = BankFiles.WriteCamt053("BENCH-2026", new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31), 0, lines);
                var sha = Convert.ToHexStringLower(SHA256.HashData(camt));
                Console.WriteLine($"  run {run + 1}: books and file built in {setup.Elapsed.TotalSeconds:F1} s ({lines.Count} bank lines, {camt.Length / 1024} KiB)");

                // Ours: what POST …/bank-statements does after reading the body.
                var sw = Stopwatch.StartNew();
                var parsed = BankFiles.ReadCamt053(camt);
                BankImport? result = null;
                await Must(writer.DoAsync(community, null, async scope =>
                {
                    var r = await bank.ImportAsync(scope, BankAccounts.Common, "camt053", sha, parsed.File!);
                    result = r.Value;
                    return r.Ok ? null : r.Failure;
                }));
                sw.Stop();
                if (result is null || result.Imported != lines.Count || result.Matched != 12 * (unitCount + 1) || result.Unmatched != 12 * 80)
                    throw new InvalidOperationException($"bank import: {result}");
                ours.Add(sw.Elapsed.TotalMilliseconds);

                baseline.Add(await BareAsync(db, camt));
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
            }
        }
        var (o, b) = (Median(ours), Median(baseline));
        Console.WriteLine($"bank import, a year of a {unitCount}-unit community ({lineCount} lines, camt.053), SQLite, median of {runs}:");
        Console.WriteLine($"  ledger (parse, balances, duplicates, chain, matching, insert): {o,8:F1} ms   runs: {string.Join(", ", ours.Select(x => x.ToString("F0")))}");
        Console.WriteLine($"  baseline (bare parse and insert of the same lines):            {b,8:F1} ms   runs: {string.Join(", ", baseline.Select(x => x.ToString("F0")))}");
        Console.WriteLine($"  ratio ledger/baseline: {o / b:F2}x");
        return 0;
    }

    /// <summary>The same file parsed and its lines inserted into a plain table in one transaction: no checks, no matching.</summary>
    private static async Task<double> BareAsync(LedgerDatabase db, byte[] camt)
    {
        await using var connection = await db.OpenAsync();
        await connection.ExecuteAsync("CREATE TEMP TABLE b_lines AS SELECT * FROM bank_lines WHERE 0");
        var sw = Stopwatch.StartNew();
        var file = BankFiles.ReadCamt053(camt).File!;
        await using var tx = await db.BeginWriteAsync(connection);
        await connection.ExecuteAsync("""
            INSERT INTO b_lines (id, community_id, account_code, statement_id, booked_on, month, amount_fen, balance_fen, identity, reference, end_to_end_id, counterparty, memo)
            VALUES (@Row, 1, '1002', 1, @Day, @Month, @Amount, @Balance, @Identity, @Reference, @EndToEndId, @Counterparty, @Memo)
            """, file.Lines.Select(l => new
        {
            l.Row, Day = Dates.Format(l.Date), Month = Dates.Format(l.Date)[..7], l.Amount, l.Balance, l.Identity, l.Reference, l.EndToEndId, l.Counterparty, l.Memo,
        }), tx);
        await tx.CommitAsync();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static async Task Must(Task<WriteOutcome> write)
    {
        if (await write is WriteOutcome.Failed f) throw new InvalidOperationException($"bench setup: {f.Failure.Code} {f.Failure.Detail}");
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
