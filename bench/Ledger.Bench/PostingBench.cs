using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Npgsql;

namespace Ledger.Bench;

/// <summary>
/// Posting throughput through the HTTP API (manual entries with Idempotency-Key, payments with
/// externalRef, alternating) against a baseline in the same run: on PostgreSQL, pgbench running the
/// same SQL the posting transaction runs, on the same cluster; on SQLite, a bare in-process loop of
/// that SQL. Checks afterwards: every community's integrity, entries posted = requests acknowledged,
/// an idempotent replay.
/// </summary>
static class PostingBench
{
    private const int UnitsPerCommunity = 50;
    private static readonly (int Clients, int Communities)[] AllConfigs = [(1, 1), (32, 1), (32, 32)];

    /// <summary>Every configuration, or those LEDGER_BENCH_CONFIGS names ("1x1,32x32"): for quicker comparisons by hand.</summary>
    private static (int Clients, int Communities)[] Configs =>
        Environment.GetEnvironmentVariable("LEDGER_BENCH_CONFIGS") is { Length: > 0 } only
            ? only.Split(',', StringSplitOptions.TrimEntries).Select(c =>
                AllConfigs.FirstOrDefault(a => $"{a.Clients}x{a.Communities}" == c) is var found && found != default
                    ? found : throw new InvalidOperationException($"LEDGER_BENCH_CONFIGS: '{c}' is not one of 1x1, 32x1, 32x32")).ToArray()
            : AllConfigs;

    public static async Task<int> RunAsync(string engine, int seconds, int runs)
    {
        var failures = 0;
        if (engine is "postgres" or "both") failures += await PostgresAsync(seconds, runs);
        if (engine is "sqlite" or "both") failures += await SqliteAsync(seconds, runs);
        return failures;
    }

    // ------------------------------------------------------------------ PostgreSQL

    private static async Task<int> PostgresAsync(int seconds, int runs)
    {
        await using var pg = await PgCluster.StartAsync();
        await pg.CreateDatabaseAsync("ledger");
        var cs = pg.ConnectionString("ledger");
        await using var service = await Service.StartAsync("postgres", cs);
        using var http = NewClient(service.Base);
        var setup = await SetupAsync(http, 32, "pgb");
        await WarmUpAsync(http, setup, service.Pid);
        // Statistics as a running server keeps them. Autovacuum analyses a table at most once a minute, so without
        // this the API's backends ran the whole measurement on the plans they cached during the warm-up, made from the
        // statistics of nearly empty tables. The commit-time check then counted a posting's entry through entries_month,
        // one read per entry of the community's history (50 buffers a call against pgbench's 6). pgbench's fresh
        // connections planned later, on statistics autovacuum had refreshed. ANALYZE refreshes the statistics and
        // invalidates every cached plan, so both sides plan on the same statistics (bench/README.md, 2026-12-01).
        await pg.ExecAsync("ledger", "ANALYZE");
        Console.Error.WriteLine("[pg] ANALYZE after the warm-up");
        var rows = new List<Row>();
        string? profile = null;
        foreach (var (clients, communities) in Configs)
        {
            var api = new List<Measure>();
            var bench = new List<Measure>();
            for (var run = 0; run < runs; run++)
            {
                await ResetStatsAsync(pg);
                var cpu0 = Cpu.Snapshot(service.Pid, pg.Pid);
                var m = await LoadAsync(http, setup, clients, communities, seconds);
                var cpu1 = Cpu.Snapshot(service.Pid, pg.Pid);
                var (calls, dbMs) = await StatsAsync(pg, "ledger");
                api.Add(m with { CallsPer = calls / (double)m.Total, DbMsPer = dbMs / m.Total, Cpu = cpu1 - cpu0 });
                if (run == 0 && clients == 1) profile = await TopStatementsAsync(pg, m.Total);

                await ResetStatsAsync(pg);
                var b0 = Cpu.Snapshot(null, pg.Pid);
                var b = PgBench(pg, setup, clients, communities, seconds);
                var b1 = Cpu.Snapshot(null, pg.Pid);
                var (bcalls, bdbMs) = await StatsAsync(pg, "ledger");
                bench.Add(b with { CallsPer = bcalls / (double)b.Counted, DbMsPer = bdbMs / b.Counted, Cpu = b1 - b0 });
            }
            rows.Add(new Row($"{clients} client{(clients > 1 ? "s" : "")}, {communities} communit{(communities > 1 ? "ies" : "y")}", api, bench, communities == 1));
        }
        var failures = await CheckAsync(http, setup);
        var floor = await HttpFloorAsync(http, setup.Slugs[0], seconds);
        Print("PostgreSQL", "pgbench, same SQL, same cluster", rows, runs, seconds);
        PrintFloor(rows, floor);
        Console.WriteLine("  profile, API at 1 client (pg_stat_statements): statements per posting, mean ms");
        Console.Write(profile);
        return failures;
    }

    private sealed record Setup(string Token, string[] Slugs, Dictionary<string, long[]> Units, string[] BaselineSlugs, long[] BaselineUnitBase);

    private static HttpClient NewClient(Uri baseUri) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = baseUri,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Communities bench-01.. for the API and pgb-01.. for the baseline, each with units; a trustee manager for all.</summary>
    private static async Task<Setup> SetupAsync(HttpClient http, int count, string? baselinePrefix)
    {
        var api = new Api(http);
        var admin = await api.LoginAsync("admin", Service.AdminPassword);
        var user = await api.SendAsync(HttpMethod.Post, "/api/v1/users", admin, new { login = "poster", displayName = "Poster", password = "poster-password-1" });
        var userId = (long)user!["id"]!;
        var month = Today().ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var units = new Dictionary<string, long[]>();
        var csv = new StringBuilder("building,number,use,area,areaSource,delivered\n");
        for (var i = 1; i <= UnitsPerCommunity; i++) csv.Append(CultureInfo.InvariantCulture, $"1栋,{i},residential,{80 + i % 40}.25,registered,true\n");
        async Task<string> Create(string slug)
        {
            await api.SendAsync(HttpMethod.Post, "/api/v1/communities", admin, new { slug, name = slug, booksStartMonth = month });
            await api.SendAsync(HttpMethod.Put, $"/api/v1/communities/{slug}/members/{userId}", admin, new { roles = new[] { "trustee", "trustee_manager", "community_admin" } });
            return slug;
        }
        var slugs = new List<string>();
        for (var i = 1; i <= count; i++) slugs.Add(await Create($"bench-{i:00}"));
        var baseline = new List<string>();
        if (baselinePrefix is not null) for (var i = 1; i <= count; i++) baseline.Add(await Create($"{baselinePrefix}-{i:00}"));
        var token = await api.LoginAsync("poster", "poster-password-1");
        foreach (var slug in slugs.Concat(baseline))
        {
            await api.SendAsync(HttpMethod.Post, $"/api/v1/communities/{slug}/units/import", token, csv.ToString(), "text/csv");
            var list = await api.SendAsync(HttpMethod.Get, $"/api/v1/communities/{slug}/units?limit=500", token);
            units[slug] = list!["items"]!.AsArray().Select(u => (long)u!["id"]!).Order().ToArray();
        }
        // The baseline addresses communities and units by id: check they are contiguous so pgbench can compute them.
        var unitBase = new List<long>();
        foreach (var slug in baseline)
        {
            var u = units[slug];
            if (u[^1] - u[0] != UnitsPerCommunity - 1) throw new InvalidOperationException($"units of {slug} are not contiguous");
            unitBase.Add(u[0]);
        }
        return new Setup(token, slugs.ToArray(), units, baseline.ToArray(), unitBase.ToArray());
    }

    private static DateOnly Today() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);

    internal sealed record Measure(double Rate, long Counted, long Total, double CallsPer = 0, double DbMsPer = 0, Cpu.Use Cpu = default);

    private static long _posted;
    private static long _sequence;

    /// <summary>Closed-loop clients for 1 s of warm-up and then <paramref name="seconds"/> measured; alternate manual entry and payment.</summary>
    private static async Task<Measure> LoadAsync(HttpClient http, Setup setup, int clients, int communities, int seconds)
    {
        var today = Today().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        long done = 0, errors = 0;
        string? firstError = null;
        var stop = false;
        var tasks = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            var slug = setup.Slugs[i % communities];
            var units = setup.Units[slug];
            var rnd = new Random(i);
            var n = 0;
            while (!Volatile.Read(ref stop))
            {
                var k = Interlocked.Increment(ref _sequence);
                var amount = rnd.Next(100, 100_000);
                using var req = (n++ % 2 == 0)
                    ? new HttpRequestMessage(HttpMethod.Post, $"/api/v1/communities/{slug}/entries")
                    {
                        Content = JsonContent.Create(new
                        {
                            date = today, memo = "停车费收入", fund = "common",
                            lines = new object[] { new { account = "1002", debit = amount }, new { account = "5201", credit = amount } },
                        }),
                        Headers = { { "Idempotency-Key", $"m-{k}" } },
                    }
                    : new HttpRequestMessage(HttpMethod.Post, $"/api/v1/communities/{slug}/payments")
                    {
                        Content = JsonContent.Create(new { unitId = units[rnd.Next(units.Length)], amount, paidAt = today, channel = "bank", externalRef = $"BANK-{k}" }),
                    };
                req.Headers.Authorization = Api.Bearer(setup.Token);
                using var r = await http.SendAsync(req);
                if (r.StatusCode == HttpStatusCode.Created) { Interlocked.Increment(ref done); Interlocked.Increment(ref _posted); }
                else
                {
                    Interlocked.Increment(ref errors);
                    firstError ??= $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}";
                }
            }
        })).ToList();
        await Task.Delay(1000);
        var start = Interlocked.Read(ref done);
        var sw = Stopwatch.StartNew();
        await Task.Delay(seconds * 1000);
        var end = Interlocked.Read(ref done);
        var elapsed = sw.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);
        if (errors > 0) throw new InvalidOperationException($"{errors} postings failed; first: {firstError}");
        return new Measure((end - start) / elapsed, end - start, Interlocked.Read(ref done));
    }

    // A manual entry is one call of ledger_post_entry (migration 0017), with the arguments CommunityWriter.PostAsync
    // sends; pgbench has no cached head, so it passes the current one read in the same statement, and when another
    // client moved the head in between (32 clients on one community) it calls again, as the service would.
    private static string PostEntryCall => """
        SELECT (outcome = 'posted')::int AS ok FROM ledger_post_entry(:c, (SELECT head_seq FROM communities WHERE id = :c), (SELECT head_chain_hash FROM communities WHERE id = :c), 'm-' || CAST(:k AS text), ':hash', 201, ':body', ':day', '停车费收入', 'common', 'manual', NULL, false, ':hash', ':hash', ':at', 1, NULL, ARRAY['1002', '5201'], ARRAY['D', 'C'], ARRAY[:amt, :amt]::bigint[], ARRAY[NULL, NULL]::bigint[], ARRAY['1002', '5201'], ARRAY[:amt, 0]::bigint[], ARRAY[0, :amt]::bigint[], ARRAY[]::text[], ARRAY[]::bigint[], ARRAY[]::bigint[], ARRAY[]::bigint[]) \gset
        """;

    /// <summary>The call, and again (at most three times in all) while it did not post: the head moved under it.</summary>
    private static string ThreeTries(string call) => $$"""
        {{call}}
        \if :ok = 0
        {{call}}
        \if :ok = 0
        {{call}}
        \endif
        \endif
        """;

    // Every API posting first reads its bearer token's session, user, community and roles in one statement
    // (IdentityBook.AuthenticateInAsync, called by the token handler for a community's route): the same
    // statement, for the baseline community pgb-NN the client posts to, opens both scripts.
    private static string SignInRead => """
        SELECT u.id AS user_id, u.login, u.display_name, u.is_platform_admin, c.id, c.slug, c.name, c.time_zone, c.fiscal_year_start_month, c.books_start_month, m.role FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN communities c ON c.slug = 'pgb-' || lpad(CAST(:c - :c0 + 1 AS text), 2, '0') LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = u.id WHERE s.token_hash = ':token' AND s.revoked_at IS NULL AND s.expires_at > ':at' ORDER BY m.role;
        """;

    private static string ManualScript => $$"""
        \set c :c0 + (:client_id % :ncom)
        \set amt random(100, 100000)
        \set k random(1, 1000000000000000)
        {{SignInRead}}
        {{ThreeTries(PostEntryCall)}}
        """;

    // A payment is the service's two round trips (FeeBook.ReadForPaymentAsync, then ledger_post_payment of migration
    // 0023): the unit, whether its reference is used by a payment, receipt or spending payment, its open bills and a payment id read without a lock, then one call; the baseline's units have
    // no bills, so the whole amount is prepayment (Cr 2203) and no bill is planned against. Called again when another
    // client moved the head in between, as the service would.
    private static string PostPaymentCall => """
        SELECT (outcome = 'posted')::int AS ok FROM ledger_post_payment(:c, (SELECT head_seq FROM communities WHERE id = :c), (SELECT head_chain_hash FROM communities WHERE id = :c), 'payment' || chr(58) || 'p-' || CAST(:k AS text), ':hash', 201, ':body', ':day', '物业费缴款 bank', 'common', 'payment', NULL, true, ':hash', ':hash', ':at', 1, NULL, ARRAY['1002', '2203'], ARRAY['D', 'C'], ARRAY[:amt, :amt]::bigint[], ARRAY[NULL, :u]::bigint[], ARRAY['1002', '2203'], ARRAY[:amt, 0]::bigint[], ARRAY[0, :amt]::bigint[], ARRAY['2203'], ARRAY[:u]::bigint[], ARRAY[0]::bigint[], ARRAY[:amt]::bigint[], :pid, :u, 'p-' || CAST(:k AS text), 'bank', :amt, ':day', ARRAY[]::bigint[], ARRAY[]::bigint[], ARRAY[]::bigint[], ARRAY[]::bigint[]) \gset
        """;

    private static string PaymentScript => $$"""
        \set c :c0 + (:client_id % :ncom)
        \set u :ubase + (:c - :c0) * {{UnitsPerCommunity}} + random(0, {{UnitsPerCommunity - 1}})
        \set amt random(100, 100000)
        \set k random(1, 1000000000000000)
        {{SignInRead}}
        SELECT (SELECT COUNT(*) FROM units WHERE community_id = :c AND id = :u) AS units, (SELECT COUNT(*) FROM payments WHERE community_id = :c AND external_ref = 'p-' || CAST(:k AS text)) + (SELECT COUNT(*) FROM receipts WHERE community_id = :c AND external_ref = 'p-' || CAST(:k AS text)) + (SELECT COUNT(*) FROM spending_requests WHERE community_id = :c AND bank_ref = 'p-' || CAST(:k AS text)) AS used \; SELECT id, unit_id, month, kind, amount_fen, paid_fen, seq, issued_on, late_fee_of FROM bills WHERE community_id = :c AND unit_id = :u AND paid_fen < amount_fen ORDER BY month, kind, id \; SELECT nextval(pg_get_serial_sequence('payments', 'id')) AS pid \aset
        {{ThreeTries(PostPaymentCall)}}
        """;

    private static readonly string Hash = new('a', 64);
    private static readonly string Body = """{"id":1,"unitId":1,"externalRef":"BANK-1","channel":"bank","amount":12345,"paidAt":"2026-01-01","seq":1,"allocated":0,"prepaid":12345}""";

    private static Measure PgBench(PgCluster pg, Setup setup, int clients, int communities, int seconds)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ledger-pgbench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "manual.sql"), ManualScript);
        File.WriteAllText(Path.Combine(dir, "payment.sql"), PaymentScript);
        try { return PgBenchIn(dir, pg, setup, clients, communities, seconds); }
        finally
        {
            // With the cluster kept (LEDGER_BENCH_KEEP_PG=1), the scripts stay too, for pgbench by hand.
            if (Environment.GetEnvironmentVariable("LEDGER_BENCH_KEEP_PG") != "1") Directory.Delete(dir, true);
        }
    }

    private static Measure PgBenchIn(string dir, PgCluster pg, Setup setup, int clients, int communities, int seconds)
    {
        var ids = IdsOf(pg, setup.BaselineSlugs);
        if (ids.Zip(ids.Skip(1)).Any(p => p.Second != p.First + 1)) throw new InvalidOperationException("baseline community ids are not contiguous");
        var today = Today();
        var at = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var posted0 = EntriesIn(pg, ids);
        string[] args =
        [
            "-h", "127.0.0.1", "-p", pg.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-n", "-M", "simple",
            "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, 2).ToString(CultureInfo.InvariantCulture),
            "-T", seconds.ToString(CultureInfo.InvariantCulture),
            "-D", $"c0={ids[0]}", "-D", $"ncom={communities}", "-D", $"ubase={setup.BaselineUnitBase[0]}",
            "-D", $"day={today:yyyy-MM-dd}", "-D", $"month={today:yyyy-MM}", "-D", $"at={at}", "-D", $"hash={Hash}", "-D", $"body={Body}", "-D", $"token={IdentityBook.HashToken(setup.Token)}",
            "-f", Path.Combine(dir, "manual.sql") + "@1", "-f", Path.Combine(dir, "payment.sql") + "@1", "ledger",
        ];
        if (Environment.GetEnvironmentVariable("LEDGER_BENCH_KEEP_PG") == "1") Console.Error.WriteLine($"[pgbench] {pg.PgBench} {string.Join(' ', args.Select(a => $"'{a}'"))}");
        var (_, output, _) = Proc.Run(pg.PgBench, args);
        var failed = Regex.Match(output, @"number of failed transactions: (\d+)");
        if (failed.Success && failed.Groups[1].Value != "0") throw new InvalidOperationException("pgbench transactions failed:\n" + output);
        // Postings counted in the journal, not pgbench transactions: a manual entry whose head moved three
        // times in a row (32 clients on one community) posts nothing and must not count. The time is pgbench's
        // run less its initial connection time, as its own "tps (without initial connection time)".
        var posted = EntriesIn(pg, ids) - posted0;
        var connect = Regex.Match(output, @"initial connection time = ([\d.]+) ms");
        var time = seconds - (connect.Success ? double.Parse(connect.Groups[1].Value, CultureInfo.InvariantCulture) / 1000 : 0);
        return new Measure(time > 0 ? posted / time : 0, posted, posted);
    }

    private static long EntriesIn(PgCluster pg, long[] communities)
    {
        using var c = new NpgsqlConnection(pg.ConnectionString("ledger"));
        return c.QuerySingle<long>("SELECT COUNT(*) FROM entries WHERE community_id = ANY(@communities)", new { communities });
    }

    private static long[] IdsOf(PgCluster pg, string[] slugs)
    {
        using var c = new NpgsqlConnection(pg.ConnectionString("ledger"));
        return c.Query<long>("SELECT id FROM communities WHERE slug = ANY(@slugs) ORDER BY id", new { slugs }).ToArray();
    }

    /// <summary>
    /// Warms the service up (JIT, pools) with 5 s of load on every community, then goes on in 2 s slices (one client,
    /// then eight, in turn) while the runtime's tier-1 compiler thread still worked more than 2% of the last slice, up
    /// to 30 s more: five seconds left it compiling through the first measured run (a profile of an 8 s run at one
    /// client put 28% of the service's CPU in that thread and read 7.3 ms of service CPU per posting, against 3.2 ms
    /// in a 20 s run), so the first configuration measured partly unoptimised code.
    /// </summary>
    private static async Task WarmUpAsync(HttpClient http, Setup setup, int servicePid)
    {
        await LoadAsync(http, setup, 8, setup.Slugs.Length, 5);
        var slices = 0;
        double share;
        do
        {
            var jit0 = Cpu.TieredCompilerMs(servicePid);
            var sw = Stopwatch.StartNew();
            await LoadAsync(http, setup, slices % 2 == 0 ? 1 : 8, slices % 2 == 0 ? 1 : setup.Slugs.Length, 2);
            share = Cpu.Since(jit0, Cpu.TieredCompilerMs(servicePid)) / sw.Elapsed.TotalMilliseconds;
            slices++;
        } while (share > 0.02 && slices < 15);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[warm-up] 5 s + {slices} x 2 s; the tier-1 compiler's share of the last slice {share:P1}"));
    }

    private static async Task<string> TopStatementsAsync(PgCluster pg, long posts)
    {
        await using var c = new NpgsqlConnection(pg.ConnectionString("ledger"));
        var rows = await c.QueryAsync<(long Calls, double Mean, string Query)>("""
            SELECT calls, mean_exec_time, regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = 'ledger' AND s.toplevel AND s.query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC, total_exec_time DESC LIMIT 30
            """);
        var sb = new StringBuilder();
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"    {r.Calls / (double)posts,5:F2} x {r.Mean,6:F3} ms  {(r.Query.Length > 110 ? r.Query[..110] : r.Query)}\n");
        return sb.ToString();
    }

    private static async Task ResetStatsAsync(PgCluster pg) => await pg.ExecAsync("ledger", "SELECT pg_stat_statements_reset()");

    /// <summary>Statements executed and their total execution time in the database, since the last reset.</summary>
    private static async Task<(long Calls, double Ms)> StatsAsync(PgCluster pg, string database)
    {
        await using var c = new NpgsqlConnection(pg.ConnectionString(database));
        var r = await c.QuerySingleAsync<(long, double)>("""
            SELECT COALESCE(SUM(calls), 0)::bigint, COALESCE(SUM(total_exec_time), 0)::float8 FROM pg_stat_statements s
            JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = @database AND s.query NOT LIKE '%pg_stat_statements%' AND s.toplevel
            """, new { database });
        return r;
    }

    private static async Task<int> CheckAsync(HttpClient http, Setup setup)
    {
        var api = new Api(http);
        long seqs = 0;
        var failures = 0;
        foreach (var slug in setup.Slugs)
        {
            var report = await api.SendAsync(HttpMethod.Get, $"/api/v1/communities/{slug}/integrity", setup.Token);
            seqs += (long)report!["seq"]!;
            if (!(bool)report["ok"]!) { failures++; Console.WriteLine($"  INTEGRITY FAILED for {slug}: {report}"); }
        }
        var posted = Interlocked.Exchange(ref _posted, 0);
        Console.WriteLine($"  check: integrity ok on {setup.Slugs.Length - failures}/{setup.Slugs.Length} communities; entries in the chains {seqs}, postings acknowledged {posted} -> {(seqs == posted ? "equal" : "DIFFERENT")}");
        if (seqs != posted) failures++;
        // An idempotent replay: the same key and request answer the first response, with Idempotency-Replayed.
        var today = Today().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var body = new { date = today, memo = "replay", fund = "common", lines = new object[] { new { account = "1002", debit = 100 }, new { account = "5201", credit = 100 } } };
        string? first = null;
        for (var i = 0; i < 2; i++)
        {
            using var req = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/communities/{setup.Slugs[0]}/entries") { Content = JsonContent.Create(body) };
            req.Headers.Authorization = Api.Bearer(setup.Token);
            req.Headers.Add("Idempotency-Key", "replay-check");
            using var r = await http.SendAsync(req);
            var text = await r.Content.ReadAsStringAsync();
            if (i == 0) first = text;
            else if (text != first || !r.Headers.Contains("Idempotency-Replayed")) { failures++; Console.WriteLine("  REPLAY FAILED"); }
        }
        return failures;
    }

    private sealed record Row(string Name, List<Measure> Ours, List<Measure> Baseline, bool SingleCommunity);

    /// <summary>What one request costs here before the service does any work: mean ms a request for a path.</summary>
    private sealed record Floor(string Path, double Ms);

    /// <summary>
    /// The bench's own HttpClient, one client in a closed loop, GETting a community's public page, which the service
    /// answers from its page cache before routing (no database). Measured after the postings: 1 s of warm-up, then
    /// <paramref name="seconds"/>.
    /// </summary>
    private static async Task<Floor> HttpFloorAsync(HttpClient http, string slug, int seconds)
    {
        var path = $"/p/{slug}";
        async Task GetAsync()
        {
            using var r = await http.GetAsync(path);
            if (r.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: {(int)r.StatusCode}");
            await r.Content.ReadAsByteArrayAsync();
        }
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 1) await GetAsync();
        long n = 0;
        sw.Restart();
        for (; sw.Elapsed.TotalSeconds < seconds; n++) await GetAsync();
        return new Floor(path, sw.Elapsed.TotalMilliseconds / n);
    }

    /// <summary>
    /// The one-client row read as latency: what a posting takes through the API and in the baseline, what the service
    /// adds, and what 70% allows it to add (3/7 of the baseline's), against the HTTP floor measured in the same run.
    /// </summary>
    private static void PrintFloor(List<Row> rows, Floor floor)
    {
        if (rows.FirstOrDefault(r => r.Name.StartsWith("1 client,", StringComparison.Ordinal)) is not { } oneClient) return;
        var api = 1000 / Stats.Median(oneClient.Ours.Select(m => m.Rate).ToList());
        var baseline = 1000 / Stats.Median(oneClient.Baseline.Select(m => m.Rate).ToList());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  1 client as latency: API {api:F2} ms a posting, baseline {baseline:F2} ms, added by the service {api - baseline:F2} ms (70% allows {baseline * 3 / 7:F2}); HTTP floor (GET {floor.Path}, cached page, no database) {floor.Ms:F2} ms a request"));
    }

    private static void Print(string engine, string baselineName, List<Row> rows, int runs, int seconds)
    {
        Console.WriteLine($"posting throughput, {engine}, API (manual entry with Idempotency-Key / payment with externalRef, alternating), median of {runs} runs of {seconds} s:");
        Console.WriteLine($"  {"config",-28} {"API posts/s",12} {"baseline/s",12} {"ratio",7}  target        API db calls/post, db ms/post, cpu ms/post: service+db (driver) | baseline calls/post, db ms/post, cpu ms/post: db (driver)");
        foreach (var r in rows)
        {
            var o = Stats.Median(r.Ours.Select(m => m.Rate).ToList());
            var b = Stats.Median(r.Baseline.Select(m => m.Rate).ToList());
            var ratio = o / b;
            var target = r.SingleCommunity ? ratio >= 0.70 ? "met (>=70%)" : ratio >= 0.50 ? "MISSED 70%" : "MISSED 50%" : ratio >= 0.70 ? "met (>=70%)" : "MISSED 70%";
            var om = r.Ours[r.Ours.Count / 2];
            var bm = r.Baseline[r.Baseline.Count / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Name,-28} {o,12:F0} {b,12:F0} {ratio,6:P0}  {target,-13} {om.CallsPer,5:F1}, {om.DbMsPer,5:F2}, {om.Cpu.PerOp(om.Total)} | {bm.CallsPer,5:F1}, {bm.DbMsPer,5:F2}, {bm.Cpu.PerOp(bm.Counted)}"));
            Console.WriteLine($"  {"",-28} runs API: {Stats.Runs(r.Ours.Select(m => m.Rate))}; baseline: {Stats.Runs(r.Baseline.Select(m => m.Rate))}");
        }
        Console.WriteLine($"  baseline: {baselineName}");
    }

    // ------------------------------------------------------------------ SQLite

    private static async Task<int> SqliteAsync(int seconds, int runs)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ledger-bench-sqlite-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "ledger.db");
            int failures;
            Floor floor;
            var rows = new List<Row>();
            await using (var service = await Service.StartAsync("sqlite", $"Data Source={file}"))
            {
                using var http = NewClient(service.Base);
                var setup = await SetupAsync(http, 32, null);
                await WarmUpAsync(http, setup, service.Pid);
                var bareFile = Path.Combine(dir, "bare.db");
                var bare = await BareSetupAsync(bareFile);
                await BareLoopAsync(bare, 5); // the baseline's own warm-up (JIT, the file's pages), as the service's
                foreach (var (clients, communities) in Configs)
                {
                    var api = new List<Measure>();
                    var baseline = new List<Measure>();
                    for (var run = 0; run < runs; run++)
                    {
                        var cpu0 = Cpu.Snapshot(service.Pid, null);
                        var m = await LoadAsync(http, setup, clients, communities, seconds);
                        var cpu1 = Cpu.Snapshot(service.Pid, null);
                        api.Add(m with { Cpu = cpu1 - cpu0 });
                        baseline.Add(await BareLoopAsync(bare, seconds));
                    }
                    rows.Add(new Row($"{clients} client{(clients > 1 ? "s" : "")}, {communities} communit{(communities > 1 ? "ies" : "y")}", api, baseline, communities == 1));
                }
                failures = await CheckAsync(http, setup);
                floor = await HttpFloorAsync(http, setup.Slugs[0], seconds);
                await bare.Db.DisposeAsync();
            }
            Print("SQLite", "bare in-process loop of the same SQL (the sign-in read included), one writer, same pragmas (WAL, synchronous=FULL)", rows, runs, seconds);
            PrintFloor(rows, floor);
            return failures;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    private sealed record Bare(LedgerDatabase Db, long CommunityId, long UnitBase, IdentityBook Identity, string Token);

    private static async Task<Bare> BareSetupAsync(string file)
    {
        var db = new LedgerDatabase(Engine.Sqlite, $"Data Source={file}");
        await new Migrator(db).MigrateAsync();
        var clock = TimeProvider.System;
        var community = (await new CommunityBook(db, clock).CreateAsync(new NewCommunity("bare", "bare", "Asia/Shanghai", 1, Month.Of(Today())))).Value!;
        var register = new RegisterBook(db, clock);
        IReadOnlyList<long> ids = [];
        await new CommunityWriter(db, clock).RunAsync(community, null, null, async scope =>
        {
            ids = await register.AddUnitsAsync(scope, Enumerable.Range(1, UnitsPerCommunity)
                .Select(i => new ImportRow(new NewUnit("1栋", $"{i}", "residential", 8_025 + i, "registered", true), null, null)).ToList());
            return new StoredResponse(200, "{}");
        });
        // A trustee's session, read before each posting as the API's sign-in reads it (the pgbench scripts do the same).
        var identity = new IdentityBook(db, clock);
        var user = (await identity.CreateUserAsync("bare", "bare", "bare-password-1")).Value!;
        await identity.SetRolesAsync(community.Id, user.Id, [Roles.Trustee]);
        var session = (await identity.LoginAsync("bare", "bare-password-1", TimeSpan.FromDays(1))).Value!;
        return new Bare(db, community.Id, ids[0], identity, session.Token);
    }

    /// <summary>The posting SQL (as the pgbench scripts), one transaction per posting, in a tight loop on one connection.</summary>
    private static async Task<Measure> BareLoopAsync(Bare bare, int seconds)
    {
        var today = Today();
        var day = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var month = today.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var at = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var rnd = new Random(7);
        long n = 0;
        var sw = Stopwatch.StartNew();
        await using var connection = await bare.Db.OpenAsync();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            var c = bare.CommunityId;
            var amt = rnd.Next(100, 100_000);
            var payment = n % 2 == 1;
            var u = bare.UnitBase + rnd.Next(UnitsPerCommunity);
            await bare.Identity.AuthenticateInAsync(bare.Token, "bare");
            await using var tx = await bare.Db.BeginWriteAsync(connection);
            var seq = await connection.QuerySingleAsync<long>("SELECT head_seq + 1 FROM communities WHERE id = @c", new { c }, tx);
            var key = payment ? $"payment:p-{seq}" : $"m-{seq}";
            await connection.QueryAsync("SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE community_id = @c AND idem_key = @key", new { c, key }, tx);
            if (payment)
            {
                await connection.QuerySingleAsync<(long, long)>("SELECT (SELECT COUNT(*) FROM units WHERE community_id = @c AND id = @u), (SELECT COUNT(*) FROM payments WHERE community_id = @c AND external_ref = @key)", new { c, u, key }, tx);
                await connection.QueryAsync("SELECT id, unit_id, month, kind, amount_fen, paid_fen, seq, issued_on, late_fee_of FROM bills WHERE community_id = @c AND unit_id = @u AND paid_fen < amount_fen ORDER BY month, kind, id", new { c, u }, tx);
            }
            await connection.QueryAsync("SELECT month FROM closed_months WHERE community_id = @c", new { c }, tx);
            await connection.QueryAsync("SELECT code, name, name_en, kind, fund, parent_code, non_negative, per_unit FROM accounts WHERE community_id = @c ORDER BY code", new { c }, tx);
            var credit = payment ? "2203" : "5201";
            await connection.ExecuteAsync("""
                INSERT INTO entries (community_id, seq, entry_date, month, memo, fund, kind, reverses_seq, personal, entry_hash, chain_hash, created_at, created_by)
                VALUES (@c, @seq, @day, @month, 'bare', 'common', @kind, NULL, @payment, @Hash, @Hash, @at, 1)
                """, new { c, seq, day, month, kind = payment ? "payment" : "manual", payment, Hash, at }, tx);
            await connection.ExecuteAsync("INSERT INTO entry_lines (community_id, seq, line_no, account_code, side, amount_fen, unit_id) VALUES (@c, @seq, 1, '1002', 'D', @amt, NULL)", new { c, seq, amt }, tx);
            await connection.ExecuteAsync("INSERT INTO entry_lines (community_id, seq, line_no, account_code, side, amount_fen, unit_id) VALUES (@c, @seq, 2, @credit, 'C', @amt, @unit)",
                new { c, seq, amt, credit, unit = payment ? u : (long?)null }, tx);
            const string upsert = """
                INSERT INTO account_balances (community_id, account_code, month, debit_fen, credit_fen) VALUES (@c, @a, @month, @d, @cr)
                ON CONFLICT (community_id, account_code, month) DO UPDATE SET debit_fen = account_balances.debit_fen + excluded.debit_fen, credit_fen = account_balances.credit_fen + excluded.credit_fen
                """;
            await connection.ExecuteAsync(upsert, new { c, a = "1002", month, d = amt, cr = 0 }, tx);
            await connection.ExecuteAsync(upsert, new { c, a = credit, month, d = 0, cr = amt }, tx);
            if (payment)
                await connection.ExecuteAsync("""
                    INSERT INTO unit_balances (community_id, account_code, unit_id, month, debit_fen, credit_fen) VALUES (@c, '2203', @u, @month, 0, @amt)
                    ON CONFLICT (community_id, account_code, unit_id, month) DO UPDATE SET debit_fen = unit_balances.debit_fen + excluded.debit_fen, credit_fen = unit_balances.credit_fen + excluded.credit_fen
                    """, new { c, u, month, amt }, tx);
            await connection.ExecuteAsync("UPDATE communities SET head_seq = @seq, head_chain_hash = @Hash WHERE id = @c", new { seq, Hash, c }, tx);
            if (payment)
                await connection.QuerySingleAsync<long>("""
                    INSERT INTO payments (community_id, unit_id, external_ref, channel, amount_fen, paid_on, seq, created_at) VALUES (@c, @u, @key, 'bank', @amt, @day, @seq, @at) RETURNING id
                    """, new { c, u, key, amt, day, seq, at }, tx);
            await connection.ExecuteAsync("INSERT INTO idempotency_keys (community_id, idem_key, request_hash, status_code, response_body, created_at) VALUES (@c, @key, @Hash, 201, @Body, @at)",
                new { c, key, Hash, Body, at }, tx);
            await tx.CommitAsync();
            n++;
        }
        return new Measure(n / sw.Elapsed.TotalSeconds, n, n);
    }
}

/// <summary>CPU time (user + system) of the service and of the PostgreSQL server (postmaster, live backends, reaped backends).</summary>
static class Cpu
{
    private static readonly double Tick = 1000.0 / 100; // ms per clock tick (CLK_TCK = 100 on Linux)

    /// <summary>CPU of the service, of the database, and of the load's driver: this process (its HTTP clients) and the
    /// children it waited for (pgbench), which take their share of the same cores.</summary>
    public readonly record struct Use(double ServiceMs, double DbMs, double DriverMs)
    {
        public static Use operator -(Use a, Use b) => new(a.ServiceMs - b.ServiceMs, a.DbMs - b.DbMs, a.DriverMs - b.DriverMs);
        public string PerOp(long ops) => ops == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{ServiceMs / ops:F2}+{DbMs / ops:F2} ({DriverMs / ops:F2})");
    }

    public static Use Snapshot(int? service, int? postmaster)
    {
        var s = service is { } sp ? Ticks(sp, false) : 0;
        double db = 0;
        if (postmaster is { } pm)
        {
            db = Ticks(pm, true);
            foreach (var d in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(d), out var pid) || pid == pm) continue;
                var f = Fields(pid);
                if (f is not null && f.Length > 3 && f[1] == pm.ToString(CultureInfo.InvariantCulture)) db += Ticks(pid, false);
            }
        }
        return new Use(s * Tick, db * Tick, Ticks(Environment.ProcessId, true) * Tick);
    }

    /// <summary>CPU time of each live tier-1 compiler thread of a .NET process (".NET Tiered Com"), by thread id.</summary>
    public static Dictionary<int, double> TieredCompilerMs(int pid)
    {
        var threads = new Dictionary<int, double>();
        try
        {
            foreach (var d in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                if (Stat(Path.Combine(d, "stat")) is { Comm: var comm, Fields: var f } && comm.StartsWith(".NET Tiered", StringComparison.Ordinal))
                    threads[int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture)] = OwnTicks(f) * Tick;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return threads;
    }

    /// <summary>CPU the threads used between two readings: a thread that ended in between is not counted, a new one is in full.</summary>
    public static double Since(Dictionary<int, double> before, Dictionary<int, double> after) =>
        after.Sum(t => Math.Max(0, t.Value - before.GetValueOrDefault(t.Key)));

    /// <summary>A /proc stat file: the command name, and the fields after it (null when the process or thread has ended).</summary>
    private static (string Comm, string[] Fields)? Stat(string path)
    {
        try
        {
            var s = File.ReadAllText(path);
            return (s[(s.IndexOf('(') + 1)..s.LastIndexOf(')')], s[(s.LastIndexOf(')') + 2)..].Split(' '));
        }
        catch (IOException) { return null; }
    }

    private static string[]? Fields(int pid) => Stat($"/proc/{pid}/stat")?.Fields;

    // After "(comm) ": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    private static long OwnTicks(string[] f) => long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);

    private static double Ticks(int pid, bool children)
    {
        var f = Fields(pid);
        if (f is null) return 0;
        double t = OwnTicks(f);
        if (children) t += long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
        return t;
    }
}
