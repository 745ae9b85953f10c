using System.Text.Json.Nodes;
using Dapper;
using Ledger.Domain.Store;
using Ledger.Jobs;
using Ledger.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Tests.Api;

/// <summary>
/// A GET never writes: statuses that follow from the clock (expired, opened, closed and the result)
/// are derived at read time, while another transaction holds the community's writer lock; the jobs
/// persist them, and what they persist is what the reads showed. On each engine.
/// </summary>
public abstract class ReadsNeverWriteTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private sealed record Yard(string Slug, ApiClient Admin, ApiClient Trustee, ApiClient Supervisor, ApiClient Owner, long Request, long Motion, long Scheduled)
    {
        public string P(string path) => $"/api/v1/communities/{Slug}{path}";
    }

    /// <summary>A pending spending request (expires after 30 days), an open motion with one yes ballot, and a motion that never opened in the database.</summary>
    private async Task<Yard> YardAsync()
    {
        App.Clock.Set(Start);
        var slug = await App.CommunityAsync("2026-01");
        var admin = await App.UserAsync(slug, "community_admin", "committee");
        var trustee = await App.UserAsync(slug, "trustee", "trustee_manager");
        var supervisor = await App.UserAsync(slug, "supervisor");
        string P(string path) => $"/api/v1/communities/{slug}{path}";
        await (await admin.PutAsync(P("/trust-terms"), FeesApiTests.TrustTermsJson())).AssertStatus(200);
        var unit = (await (await admin.PostAsync(P("/units"), new { building = "3栋", number = "1", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
        var ownerId = (await (await admin.PostAsync(P("/owners"), new { name = "业主", kind = "person", unitIds = new[] { unit } })).AssertStatus(201))["id"]!.GetValue<long>();
        var code = (await (await admin.PostAsync(P($"/owners/{ownerId}/invitations"), null)).AssertStatus(201))["code"]!.GetValue<string>();
        await (await App.Anonymous().PostAsync("/api/v1/auth/activate", new { invitationCode = code, login = $"rn-{slug}", password = "owner password 1" })).AssertStatus(201);
        var owner = await App.LoginAsync($"rn-{slug}", "owner password 1");

        var request = (await (await trustee.PostAsync(P("/spending-requests"), new
        {
            payee = "某某保洁公司", amount = 100_000L, account = "6103", description = "保洁", attachments = Array.Empty<string>(),
        })).AssertStatus(201))["id"]!.GetValue<long>();
        // Both announced now, the notice period (15 days) before they open.
        var motion = (await (await admin.PostAsync(P("/motions"), new { kind = "other", title = "更换门禁", body = "表决", opensAt = Start.AddDays(15), closesAt = Start.AddDays(18) }))
            .AssertStatus(201))["id"]!.GetValue<long>();
        var scheduled = (await (await admin.PostAsync(P("/motions"), new { kind = "other", title = "增设车位", body = "表决", opensAt = Start.AddDays(16), closesAt = Start.AddDays(17) }))
            .AssertStatus(201))["id"]!.GetValue<long>();
        App.Clock.Set(Start.AddDays(15));
        await (await owner.PostAsync(P($"/motions/{motion}/ballots"), new { choice = "yes" })).AssertStatus(201);
        return new Yard(slug, admin, trustee, supervisor, owner, request, motion, scheduled);
    }

    private async Task<string> StoredAsync(string table, long id)
    {
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        return await connection.QuerySingleAsync<string>($"SELECT status FROM {table} WHERE id = @id", new { id });
    }

    /// <summary>Runs <paramref name="reads"/> while another transaction holds the community's writer lock (SQLite's writer gate, PostgreSQL's row lock).</summary>
    private async Task WhileWriterHeldAsync(string slug, Func<Task> reads)
    {
        var community = (await App.Service<CommunityBook>().FindAsync(slug))!;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = App.Service<CommunityWriter>().DoAsync(community, null, async _ =>
        {
            entered.SetResult();
            await release.Task;
            return null;
        });
        await entered.Task.WaitAsync(Patience);
        try
        {
            var done = reads();
            Assert.True(await Task.WhenAny(done, Task.Delay(Patience)) == done, "A read waited for the writer's lock.");
            await done;
        }
        finally
        {
            release.SetResult();
            await holder;
        }
    }

    [SkippableFact]
    public async Task Reads_past_the_deadlines_show_expired_and_closed_without_the_writer_lock_and_write_nothing()
    {
        var y = await YardAsync();
        App.Clock.Set(Start.AddDays(31));
        JsonNode? motionRead = null, scheduledRead = null, anonymousResult = null;
        await WhileWriterHeldAsync(y.Slug, async () =>
        {
            Assert.Equal("expired", (await y.Supervisor.GetJsonAsync(y.P($"/spending-requests/{y.Request}")))["status"]!.GetValue<string>());
            Assert.Single((await y.Supervisor.GetJsonAsync(y.P("/spending-requests?status=expired")))["items"]!.AsArray());
            Assert.Empty((await y.Supervisor.GetJsonAsync(y.P("/spending-requests?status=pending")))["items"]!.AsArray());
            motionRead = await y.Owner.GetJsonAsync(y.P($"/motions/{y.Motion}"));
            scheduledRead = await y.Owner.GetJsonAsync(y.P($"/motions/{y.Scheduled}"));
            Assert.Equal(2, (await y.Owner.GetJsonAsync(y.P("/motions")))["items"]!.AsArray().Count(m => m!["status"]!.GetValue<string>() == "closed"));
            anonymousResult = await App.Anonymous().GetJsonAsync(y.P($"/motions/{y.Motion}/result"));
            var page = await App.Anonymous().GetAsync($"/p/{y.Slug}/motions/{y.Motion}");
            Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("更换门禁", await page.Content.ReadAsStringAsync());
            Assert.Equal(System.Net.HttpStatusCode.OK, (await App.Anonymous().GetAsync($"/p/{y.Slug}")).StatusCode);
        });

        Assert.Equal("closed", motionRead!["status"]!.GetValue<string>());
        Assert.True(motionRead["result"]!["passed"]!.GetValue<bool>());
        Assert.Equal(100m, motionRead["result"]!["totals"]!["yes"]!["area"]!.GetValue<decimal>());
        Assert.True(anonymousResult!["passed"]!.GetValue<bool>());
        // Never opened in the database: no ballots, the register as it stands, no quorum.
        Assert.Equal("closed", scheduledRead!["status"]!.GetValue<string>());
        Assert.False(scheduledRead["result"]!["quorumMet"]!.GetValue<bool>());
        Assert.Equal(100m, scheduledRead["result"]!["totals"]!["eligible"]!["area"]!.GetValue<decimal>());

        // Nothing was written by the reads ...
        Assert.Equal("pending", await StoredAsync("spending_requests", y.Request));
        Assert.Equal("open", await StoredAsync("motions", y.Motion));
        Assert.Equal("scheduled", await StoredAsync("motions", y.Scheduled));

        // ... the jobs persist exactly what the reads showed.
        await ActivatorUtilities.CreateInstance<SpendingExpiryJob>(App.Services).RunAsync();
        await ActivatorUtilities.CreateInstance<MotionDeadlinesJob>(App.Services).RunAsync();
        Assert.Equal("expired", await StoredAsync("spending_requests", y.Request));
        Assert.Equal("closed", await StoredAsync("motions", y.Motion));
        Assert.Equal("closed", await StoredAsync("motions", y.Scheduled));
        Assert.Equal(motionRead.ToJsonString(), (await y.Owner.GetJsonAsync(y.P($"/motions/{y.Motion}"))).ToJsonString());
        Assert.Equal(scheduledRead.ToJsonString(), (await y.Owner.GetJsonAsync(y.P($"/motions/{y.Scheduled}"))).ToJsonString());
        App.Clock.Set(Start);
    }

    [SkippableFact]
    public async Task Before_the_deadlines_reads_show_pending_and_open_and_writes_follow_the_clock_too()
    {
        var y = await YardAsync();
        App.Clock.Set(Start.AddDays(16).AddHours(1)); // the scheduled motion opens after its notice
        var scheduled = await y.Owner.GetJsonAsync(y.P($"/motions/{y.Scheduled}"));
        Assert.Equal("open", scheduled["status"]!.GetValue<string>());
        Assert.Equal(0, scheduled["result"]!["totals"]!["participating"]!["headcount"]!.GetValue<long>());
        Assert.Equal("pending", (await y.Supervisor.GetJsonAsync(y.P($"/spending-requests/{y.Request}")))["status"]!.GetValue<string>());
        Assert.Equal("scheduled", await StoredAsync("motions", y.Scheduled));

        // A ballot opens the motion (snapshotting the register) in its own write.
        await (await y.Owner.PostAsync(y.P($"/motions/{y.Scheduled}/ballots"), new { choice = "no" })).AssertStatus(201);
        Assert.Equal("open", await StoredAsync("motions", y.Scheduled));

        // At the expiry, a write sees the request as expired too (it applies the expiry first; the refusal rolls it back, the job persists it).
        App.Clock.Set(Start.AddDays(30));
        await (await y.Supervisor.PostAsync(y.P($"/spending-requests/{y.Request}/decisions"), new { decision = "approve", comment = "同意" }))
            .AssertProblem(409, Ledger.Domain.Model.Codes.RequestNotPending);
        await (await y.Trustee.PostAsync(y.P($"/spending-requests/{y.Request}/cancel"), null)).AssertProblem(409, Ledger.Domain.Model.Codes.RequestNotPending);
        App.Clock.Set(Start);
    }
}

public sealed class SqliteReadsNeverWriteTests(SqliteFixture fixture) : ReadsNeverWriteTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresReadsNeverWriteTests(PostgresFixture fixture) : ReadsNeverWriteTests(fixture), IClassFixture<PostgresFixture>;
