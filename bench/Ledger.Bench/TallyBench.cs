using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Bench;

/// <summary>
/// The tally of a motion with 100,000 voters on embedded SQLite: Tally.Count in memory, and the close
/// through Motions (read the register snapshot and every voter's last ballot, count, store the result
/// with its receipts), against a baseline in the same run: one SQL aggregate over the same rows.
/// Ballots are written with the same INSERT as Motions.CastAsync, in one transaction (casting 100,000
/// through the API is not what is measured). The close runs in a transaction rolled back at the end,
/// so each run closes the same open motion. Also times one read of the open motion (live participation).
/// Checks: the close's totals equal the SQL aggregate's.
/// </summary>
static class TallyBench
{
    public static async Task<int> RunAsync(int voters, int runs)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ledger-bench-tally-{Guid.NewGuid():N}.db");
        try
        {
            var clock = new MovableClock(new DateTimeOffset(2026, 11, 21, 2, 0, 0, TimeSpan.Zero));
            await using var db = new LedgerDatabase(Engine.Sqlite, $"Data Source={file}");
            await new Migrator(db).MigrateAsync();
            var communities = new CommunityBook(db, clock);
            var c = (await communities.CreateAsync(new NewCommunity("tally", "表决小区", "Asia/Shanghai", 1, new Month(2026, 1)))).Value!;
            var register = new RegisterBook(db, clock);
            var motions = new MotionBook(db);
            var writer = new CommunityWriter(db, clock);
            var setup = Stopwatch.StartNew();
            var user = (await new IdentityBook(db, clock).CreateUserAsync("voter", "Voter", "voter-password-1")).Value!;
            long motionId = 0;
            // Announced 16 days ago (the notice is 15), open since a minute ago.
            var opened = clock.Now;
            clock.Now = opened.AddDays(-16);
            await writer.RunAsync(c, null, null, async scope =>
            {
                await register.AddUnitsAsync(scope, Enumerable.Range(1, voters).Select(i =>
                    new ImportRow(new NewUnit($"{1 + (i - 1) / 200}栋", $"{i}", "residential", 5_000 + i * 37 % 12_000, "registered", true), $"业主{i}", "person")).ToList());
                var m = (await motions.CreateAsync(scope, new NewMotion("other", null, "是否更换电梯", "表决", opened.AddMinutes(-1), opened.AddDays(7)))).Value!;
                motionId = m.Id;
                return new StoredResponse(200, "{}");
            });
            clock.Now = opened;
            await writer.RunAsync(c, null, null, async scope =>
            {
                await motions.AdvanceAsync(scope, motionId);
                return new StoredResponse(200, "{}");
            });
            // Ballots as CastAsync writes them: 95% take part (yes 60%, no 30%, abstain 10%), 2% change their mind.
            var rnd = new Random(1);
            await using (var connection = await db.OpenAsync())
            {
                var keys = (await connection.QueryAsync<string>("SELECT voter_key FROM motion_voters WHERE community_id = @Id AND motion_id = @motionId ORDER BY voter_key",
                    new { c.Id, motionId })).ToList();
                if (keys.Count != voters) throw new InvalidOperationException($"register has {keys.Count} voters, expected {voters}");
                await using var tx = await db.BeginWriteAsync(connection);
                string Choice() { var x = rnd.NextDouble(); return x < 0.6 ? "yes" : x < 0.9 ? "no" : "abstain"; }
                var rows = keys.Where(_ => rnd.NextDouble() < 0.95).Select(k => (k, Choice())).ToList();
                rows.AddRange(rows.Where(_ => rnd.NextDouble() < 0.02).Select(r => (r.k, Choice())).ToList());
                await connection.ExecuteAsync("""
                    INSERT INTO ballots (community_id, motion_id, voter_key, user_id, choice, receipt_hash, cast_at) VALUES (@Id, @motionId, @Key, @UserId, @Choice, @Hash, @At)
                    """, rows.Select(r => new { c.Id, motionId, UserId = user.Id, Key = r.k, Choice = r.Item2, Hash = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), At = Dates.Instant(clock.GetUtcNow()) }), tx);
                await tx.CommitAsync();
            }
            Console.Error.WriteLine($"[tally] {voters} units, voters and ballots written in {setup.Elapsed.TotalSeconds:F0} s");

            var count = new List<double>();
            var close = new List<double>();
            var baseline = new List<double>();
            TallyResult? inMemory = null;
            MotionResult? closed = null;
            (long Yes, long No, long Abstain, long YesHeads)? sql = null;
            clock.Now = clock.Now.AddDays(8);
            for (var run = 0; run < runs; run++)
            {
                // Tally.Count alone, on data already in memory.
                await using (var connection = await db.OpenAsync())
                {
                    var reg = (await connection.QueryAsync<(string Key, long Area)>("SELECT voter_key, area_centi_m2 FROM motion_voters WHERE community_id = @Id AND motion_id = @motionId", new { c.Id, motionId }))
                        .Select(v => new Voter(v.Key, v.Area, [])).ToList();
                    var choices = (await connection.QueryAsync<(string Key, string Choice)>("""
                        SELECT b.voter_key, b.choice FROM ballots b WHERE b.community_id = @Id AND b.motion_id = @motionId
                        AND b.id = (SELECT MAX(x.id) FROM ballots x WHERE x.community_id = b.community_id AND x.motion_id = b.motion_id AND x.voter_key = b.voter_key)
                        """, new { c.Id, motionId })).ToDictionary(x => x.Key, x => x.Choice);
                    var sw = Stopwatch.StartNew();
                    inMemory = Tally.Count(reg, choices, Thresholds.Ordinary, false);
                    count.Add(sw.Elapsed.TotalMilliseconds);
                }
                // The close through Motions, rolled back.
                var t = Stopwatch.StartNew();
                var outcome = await writer.RunAsync(c, null, null, async scope =>
                {
                    var status = await motions.AdvanceAsync(scope, motionId);
                    closed = (await motions.GetAsync(scope, c.Id, motionId, scope.Now))?.Result;
                    return status == "closed" ? new Failure("bench_rollback", "on purpose") : new Failure("bench", $"not closed: {status}");
                });
                close.Add(t.Elapsed.TotalMilliseconds);
                if (outcome is not WriteOutcome.Failed { Failure.Code: "bench_rollback" }) throw new InvalidOperationException($"close failed: {outcome}");
                // Baseline: one SQL aggregate over the same rows.
                await using (var connection = await db.OpenAsync())
                {
                    var sw = Stopwatch.StartNew();
                    var r = (await connection.QueryAsync<(string Choice, long Area, long Heads)>("""
                        SELECT b.choice, SUM(v.area_centi_m2), COUNT(*) FROM ballots b
                        JOIN motion_voters v ON v.community_id = b.community_id AND v.motion_id = b.motion_id AND v.voter_key = b.voter_key
                        WHERE b.community_id = @Id AND b.motion_id = @motionId
                          AND b.id = (SELECT MAX(x.id) FROM ballots x WHERE x.community_id = b.community_id AND x.motion_id = b.motion_id AND x.voter_key = b.voter_key)
                        GROUP BY b.choice
                        """, new { c.Id, motionId })).ToDictionary(x => x.Choice);
                    baseline.Add(sw.Elapsed.TotalMilliseconds);
                    sql = (r["yes"].Area, r["no"].Area, r["abstain"].Area, r["yes"].Heads);
                }
            }
            var failures = 0;
            var totals = closed!.Totals;
            var agree = sql is { } s && totals.Yes.Area == s.Yes && totals.No.Area == s.No && totals.Abstain.Area == s.Abstain && totals.Yes.Headcount == s.YesHeads
                && inMemory!.Totals == totals && closed.Receipts.Count == totals.Participating.Headcount;
            if (!agree) failures++;

            // One read of the still-open motion (what every ballot cast and every GET of the motion computes).
            // It grows with voters x ballots, so it is timed only up to 20,000 voters (run `tally 10000` and `tally 20000` to see the growth).
            clock.Now = clock.Now.AddDays(-8);
            double? liveMs = null;
            if (voters <= 20_000)
            {
                var live = Stopwatch.StartNew();
                _ = await motions.GetAsync(c.Id, motionId, clock.GetUtcNow());
                liveMs = live.Elapsed.TotalMilliseconds;
            }

            var (o, b) = (Stats.Median(close), Stats.Median(baseline));
            Console.WriteLine($"vote tally, {voters} voters, {totals.Participating.Headcount} counted ballots, SQLite, median of {runs}:");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Tally.Count (in memory):                        {Stats.Median(count),9:F1} ms   runs: {Stats.Runs(count, "F1")}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  MotionBook close (read, count, store result):      {o,9:F1} ms   runs: {Stats.Runs(close)}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  baseline (one SQL aggregate over the same rows): {b,9:F1} ms   runs: {Stats.Runs(baseline)}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio close/baseline: {o / b:F2}x"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  one read of the open motion (live participation, MotionBook.GetAsync): {(liveMs is { } l ? $"{l:F0} ms" : "not timed above 20,000 voters (quadratic)")}"));
            Console.WriteLine($"  check: close totals = SQL aggregate = Tally.Count, one receipt per counted voter -> {(agree ? "ok" : "FAILED")}; passed={closed.Passed}, quorum={closed.QuorumMet}");
            return failures == 0 ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }
    }
}
