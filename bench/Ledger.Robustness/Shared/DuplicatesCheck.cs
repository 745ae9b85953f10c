namespace Ledger.Robustness;

/// <summary>
/// Duplicates: the same payment (same externalRef) submitted many times by many concurrent clients
/// posts exactly once: one payment entry, one payment on the unit's statement, and every answer a 201
/// with the same body (the first, replayed).
/// </summary>
public static class DuplicatesCheck
{
    public sealed record Options(int Submissions = 1000, int Clients = 50);

    public static async Task<Report> RunAsync(Service service, Options o)
    {
        var report = new Report($"duplicates ({o.Submissions} submissions of one payment from {o.Clients} clients)");
        var world = await service.CommunityAsync("dup");
        var staff = await service.UserAsync(world.Slug, ["trustee", "trustee_manager", "supervisor", "community_admin"]);
        var unit = await world.UnitAsync(staff, "3栋", "301");
        var headBefore = (await world.IntegrityAsync(staff))["seq"]!.GetValue<long>();
        var payment = Api.Serialize(new { unitId = unit, amount = 36_000, paidAt = world.FirstDay, channel = "bank", externalRef = $"DUP-{Guid.NewGuid():N}" });

        var answers = new System.Collections.Concurrent.ConcurrentBag<Answer>();
        var next = -1;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, o.Clients).Select(_ => Task.Run(async () =>
        {
            var client = new Api(service.NewClient(), staff.Token);
            while (Interlocked.Increment(ref next) < o.Submissions)
            {
                try { answers.Add(await client.SendAsync(HttpMethod.Post, world.P("/payments"), Api.JsonBody(payment))); }
                catch (Exception e) { report.Violation($"a submission failed: {e.GetType().Name}: {e.Message}"); }
            }
        })));
        watch.Stop();

        var statuses = new StatusCounts();
        foreach (var a in answers) statuses.Add(a.Status);
        if (answers.Any(a => a.Status != 201)) report.Violation($"not every answer is 201: {statuses}; e.g. {answers.First(a => a.Status != 201)}");
        var bodies = answers.Where(a => a.Status == 201).Select(a => a.Body).Distinct().ToList();
        if (bodies.Count != 1) report.Violation($"{bodies.Count} different 201 bodies, e.g. {string.Join(" | ", bodies.Take(3))}");
        var fresh = answers.Count(a => a.Status == 201 && !a.Replayed);
        if (fresh != 1) report.Violation($"{fresh} answers were not marked Idempotency-Replayed (expected exactly 1)");

        var integrity = await world.IntegrityAsync(staff);
        var posted = integrity["seq"]!.GetValue<long>() - headBefore;
        if (posted != 1) report.Violation($"{posted} entries were posted (expected exactly 1)");
        if (integrity["ok"]?.GetValue<bool>() != true) report.Violation($"integrity check failed: {integrity.ToJsonString()}");
        var statement = await staff.OkAsync(HttpMethod.Get, world.P($"/units/{unit}/statement"));
        var payments = statement["payments"]!.AsArray().Count;
        if (payments != 1) report.Violation($"the unit's statement lists {payments} payments (expected 1)");

        report.Figure($"{answers.Count} answers in {watch.Elapsed.TotalSeconds:F1} s: {statuses}; {bodies.Count} distinct body, {fresh} fresh + {answers.Count - fresh} replayed");
        report.Figure($"entries posted: {posted}; payments on the statement: {payments}; integrity ok: {integrity["ok"]}");
        return report;
    }
}
