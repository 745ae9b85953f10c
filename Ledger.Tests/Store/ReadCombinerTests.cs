using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Store;

/// <summary>
/// Tries to break the sign-in reads' sharing of a round trip on PostgreSQL (<see cref="ReadCombiner"/>): reads sent
/// together leave as one batch, and each answers for its own token: a revoked one is refused, another community's
/// member gets no roles here, and the others get their own user and roles. A payment's read without a lock goes the same way,
/// and each payment still settles its own unit's bills, oldest first.
/// </summary>
public sealed class PostgresReadCombinerTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private LedgerApp App => fixture.App;

    private static string Token(ApiClient client) => client.Http.DefaultRequestHeaders.Authorization!.Parameter!;

    [SkippableFact]
    public async Task Sign_in_reads_sent_together_share_a_batch_and_each_answers_for_its_own_token()
    {
        var reads = App.Service<LedgerDatabase>().Reads!;
        var identity = App.Service<IdentityBook>();
        var slug = await App.CommunityAsync();
        var supervisor = await App.UserAsync(slug, "supervisor");
        var trustee = await App.UserAsync(slug, "trustee", "trustee_manager");
        var revoked = await App.UserAsync(slug, "supervisor");
        var elsewhere = await App.UserAsync(await App.CommunityAsync(), "trustee");
        await identity.RevokeAsync(Token(revoked));

        // Every slot busy with a read that waits at its reader, so the sign-in reads sent next queue and leave together.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var busy = Enumerable.Range(0, reads.MaxWriters).Select(_ => reads.ReadAsync("SELECT 1", [], async _ => { await gate.Task; return "busy"; })).ToList();
        var before = reads.Written;
        var asked = new[] { supervisor, trustee, revoked, elsewhere }.Select(c => identity.AuthenticateInAsync(Token(c), slug)).ToList();
        gate.SetResult();
        await Task.WhenAll(busy);
        var answers = await Task.WhenAll(asked);

        Assert.True(reads.Written.Largest >= asked.Count, $"the sign-in reads did not share a batch: {reads.Written}");
        Assert.True(reads.Written.Batches > before.Batches);
        Assert.Equal(supervisor.UserId, answers[0].User!.Id);
        Assert.Equal(["supervisor"], answers[0].Roles);
        Assert.Equal(trustee.UserId, answers[1].User!.Id);
        Assert.Equal(["trustee", "trustee_manager"], answers[1].Roles);
        Assert.Equal(slug, answers[1].Community!.Slug);
        Assert.Null(answers[2].User); // revoked before the batch
        Assert.Equal(elsewhere.UserId, answers[3].User!.Id);
        Assert.Empty(answers[3].Roles); // a member of another community holds no role here
    }

    [SkippableFact]
    public async Task Payments_read_their_bills_through_the_shared_round_trip_and_each_settles_its_own_unit_oldest_first()
    {
        var reads = App.Service<LedgerDatabase>().Reads!;
        var slug = await App.CommunityAsync("2026-09");
        var admin = await App.UserAsync(slug, "community_admin");
        var trustee = await App.UserAsync(slug, "trustee", "trustee_manager");
        string P(string path) => $"/api/v1/communities/{slug}{path}";
        var units = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var unit = await (await admin.PostAsync(P("/units"),
                new { building = "3栋", number = $"{301 + i}", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201);
            units.Add(unit["id"]!.GetValue<long>());
        }
        await (await trustee.PutAsync(P("/fee-schedule"), new { effectiveFrom = "2026-09", rates = new { residential = "1.80" } })).AssertStatus(200);
        foreach (var month in new[] { "2026-09", "2026-10" }) await (await trustee.PostAsync(P("/billing-runs"), new { month })).AssertStatus(201);

        // Every slot busy, so the payments' sign-in reads queue and leave together; then each payment reads its bills.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var busy = Enumerable.Range(0, reads.MaxWriters).Select(_ => reads.ReadAsync("SELECT 1", [], async _ => { await gate.Task; return "busy"; })).ToList();
        var before = reads.Written;
        // Unit i pays 18000 + 1000 × i: September's bill (18000 fen) in full, the rest on October's.
        var paid = units.Select((unit, i) => trustee.PostAsync(P("/payments"),
            new { unitId = unit, amount = 18000 + 1000 * i, paidAt = "2026-11-20", channel = "bank", externalRef = $"RC-{unit}" })).ToList();
        gate.SetResult();
        await Task.WhenAll(busy);
        var answers = await Task.WhenAll(paid);

        var after = reads.Written;
        Assert.True(after.Calls - before.Calls >= busy.Count + 2 * units.Count, $"the payments' reads did not go through the combiner: {before} then {after}");
        var ids = new HashSet<long>();
        for (var i = 0; i < units.Count; i++)
        {
            var payment = await answers[i].AssertStatus(201);
            Assert.True(ids.Add(payment["id"]!.GetValue<long>()));
            Assert.Equal(18000 + 1000 * i, payment["allocated"]!.GetValue<long>());
            Assert.Equal(0, payment["prepaid"]!.GetValue<long>());
            var bills = (await trustee.GetJsonAsync(P($"/units/{units[i]}/statement")))["bills"]!.AsArray()
                .ToDictionary(b => b!["month"]!.GetValue<string>(), b => b!["paid"]!.GetValue<long>());
            Assert.Equal(18000, bills["2026-09"]);
            Assert.Equal(1000 * i, bills["2026-10"]);
        }
        Assert.True((await trustee.GetJsonAsync(P("/integrity")))["ok"]!.GetValue<bool>());
    }
}
