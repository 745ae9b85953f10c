namespace Ledger.Robustness;

/// <summary>
/// Crash safety: mixed writes (manual entries with Idempotency-Key, payments and receipts keyed by
/// their external reference) from several clients while the service is killed with SIGKILL at random
/// moments and started again. A client whose request dies with the process retries it, as a real
/// client would. Afterwards every write must be there exactly once: its acknowledged answer replays
/// byte for byte, its entry is in the journal, the journal holds one entry per write and no more,
/// and the integrity check passes.
/// </summary>
public static class CrashCheck
{
    public sealed record Options(int Kills, int Workers = 6, int MinUpMs = 300, int MaxUpMs = 1500, int TailMs = 400, int Seed = 7);

    private sealed class Write(string kind, string name, string path, string json, string? key, long amount)
    {
        public string Kind { get; } = kind;
        public string Name { get; } = name;
        public string Path { get; } = path;
        public string Json { get; } = json;
        public string? Key { get; } = key;
        public long Amount { get; } = amount;
        public Answer? Ack { get; set; }
        public int Attempts { get; set; }
    }

    public static async Task<Report> RunAsync(ServiceProcess process, Options o, Action<string>? log = null)
    {
        var report = new Report($"crash ({process.Engine}, {o.Kills} kills)");
        log ??= _ => { };
        var firstStart = await process.StartAsync();
        var service = process.Service();
        var world = await service.CommunityAsync("crash");
        var staff = await service.UserAsync(world.Slug, ["trustee", "trustee_manager", "supervisor", "community_admin"]);
        var units = new List<long>();
        for (var u = 0; u < 3; u++) units.Add(await world.UnitAsync(staff, "9栋", $"{u + 1}01"));
        var headBefore = (await world.IntegrityAsync(staff))["seq"]!.GetValue<long>();

        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        up.SetResult();
        var stop = false;
        var run = Guid.NewGuid().ToString("N")[..6];
        var writes = new List<Write>[o.Workers];

        async Task Worker(int w)
        {
            var mine = writes[w] = [];
            var api = new Api(service.NewClient(), staff.Token);
            for (var i = 0; !Volatile.Read(ref stop); i++)
            {
                var write = Make(world, units, $"crash-{run}-w{w}-{i}", i);
                mine.Add(write);
                while (write.Ack is null)
                {
                    write.Attempts++;
                    try
                    {
                        write.Ack = await api.SendAsync(HttpMethod.Post, write.Path, Api.JsonBody(write.Json), write.Key);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        // The process died under us: wait for it to come back, then retry the same request.
                        await Task.Delay(50);
                        await Volatile.Read(ref up).Task;
                    }
                }
            }
        }

        var random = new Random(o.Seed);
        var workers = Enumerable.Range(0, o.Workers).Select(w => Task.Run(() => Worker(w))).ToArray();
        var restarts = new List<TimeSpan>();
        for (var k = 1; k <= o.Kills; k++)
        {
            await Task.Delay(random.Next(o.MinUpMs, o.MaxUpMs));
            Volatile.Write(ref up, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            process.Kill();
            var took = await process.StartAsync();
            restarts.Add(took);
            Volatile.Read(ref up).SetResult();
            log($"  kill {k}/{o.Kills}: restarted in {took.TotalMilliseconds:F0} ms, {writes.Sum(x => x?.Count ?? 0)} writes so far");
        }
        await Task.Delay(o.TailMs);
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);

        var all = writes.SelectMany(x => x).ToList();
        await VerifyAsync(report, world, staff, all, headBefore);
        report.Figure($"{all.Count} writes ({all.Count(w => w.Kind == "entry")} entries, {all.Count(w => w.Kind == "payment")} payments, " +
                      $"{all.Count(w => w.Kind == "receipt")} receipts) from {o.Workers} clients; {o.Kills} kills with SIGKILL");
        report.Figure($"{all.Count(w => w.Attempts > 1)} writes were in flight at a kill and retried; " +
                      $"{all.Count(w => w.Attempts > 1 && w.Ack?.Replayed == true)} of them had committed before the kill (answered Idempotency-Replayed)");
        if (process.FailedStarts.Count > 0)
            report.Figure($"NOTE: {process.FailedStarts.Count} start(s) exited before ready and were retried: {string.Join(" || ", process.FailedStarts)}");
        report.Figure($"restart to ready: first {firstStart.TotalMilliseconds:F0} ms, after a kill median {Median(restarts):F0} ms");
        return report;
    }

    private static Write Make(Community world, List<long> units, string name, int i)
    {
        var amount = 100 + i % 997;
        return (i % 3) switch
        {
            0 => new Write("entry", name, world.P("/entries"), Api.Serialize(new
            {
                date = world.FirstDay, memo = name, fund = "common",
                lines = new object[] { new { account = "1002", debit = amount }, new { account = "5202", credit = amount } },
            }), name, amount),
            1 => new Write("payment", name, world.P("/payments"), Api.Serialize(new
            {
                unitId = units[i % units.Count], amount, paidAt = world.FirstDay, channel = "bank", externalRef = name,
            }), null, amount),
            _ => new Write("receipt", name, world.P("/receipts"), Api.Serialize(new
            {
                source = "parking", amount, receivedAt = world.FirstDay, payer = "停车场", memo = name, externalRef = name,
            }), null, amount),
        };
    }

    private static async Task VerifyAsync(Report report, Community world, Api staff, List<Write> all, long headBefore)
    {
        var seqs = new Dictionary<long, string>();
        foreach (var w in all)
        {
            var ack = w.Ack!;
            if (ack.Status != 201) { report.Violation($"{w.Kind} {w.Name}: answered {ack}"); continue; }
            var seq = ack.Long("seq");
            if (!seqs.TryAdd(seq, w.Name)) report.Violation($"{w.Name} and {seqs[seq]} were both acknowledged as entry {seq}");

            // The same request again must replay the acknowledged answer byte for byte: it was stored with the effect.
            var again = await staff.SendAsync(HttpMethod.Post, w.Path, Api.JsonBody(w.Json), w.Key);
            if (again.Status != ack.Status || !again.Replayed || again.Body != ack.Body)
                report.Violation($"{w.Kind} {w.Name} acknowledged as {ack} but re-sent answers {again} (replayed: {again.Replayed})");

            var entry = await staff.GetAsync(world.P($"/entries/{seq}"));
            if (entry.Status != 200) { report.Violation($"{w.Kind} {w.Name}: acknowledged entry {seq} is missing: {entry}"); continue; }
            var e = entry.Json()!;
            var cash = e["lines"]!.AsArray().FirstOrDefault(l => l!["account"]!.GetValue<string>() == "1002")?["debit"]?.GetValue<long>();
            var memo = e["memo"]!.GetValue<string>();
            var kind = e["kind"]?.GetValue<string>();
            var same = cash == w.Amount && w.Kind switch
            {
                "entry" => memo == w.Name && e["entryHash"]!.GetValue<string>() == ack.Json()!["entryHash"]!.GetValue<string>(),
                "receipt" => memo.Contains(w.Name, StringComparison.Ordinal) && kind == "receipt",
                _ => kind == "payment",
            };
            if (!same) report.Violation($"{w.Kind} {w.Name}: entry {seq} is not this write: {entry.Body}");
        }

        var integrity = await world.IntegrityAsync(staff);
        var head = integrity["seq"]!.GetValue<long>();
        if (head != headBefore + all.Count)
            report.Violation($"the journal holds {head - headBefore} entries for {all.Count} writes (lost or duplicated writes)");
        if (integrity["ok"]?.GetValue<bool>() != true) report.Violation($"integrity check failed: {integrity.ToJsonString()}");
        report.Figure($"journal head {head} (= {headBefore} before + {all.Count} writes), integrity ok: {integrity["ok"]}; " +
                      $"every acknowledged write re-sent answered Idempotency-Replayed with the same body");
    }

    private static double Median(List<TimeSpan> times) =>
        times.Count == 0 ? 0 : times.Select(t => t.TotalMilliseconds).Order().ElementAt(times.Count / 2);
}
