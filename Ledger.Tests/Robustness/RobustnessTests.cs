using Ledger.Robustness;
using Ledger.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ledger.Tests.Robustness;

/// <summary>
/// Short runs of the robustness checks through the in-process test server, on each engine. The
/// full-size runs against the service as a process are in bench/Ledger.Robustness.
/// </summary>
public abstract class RobustnessTests(EngineFixture fixture, ITestOutputHelper output)
{
    private LedgerApp App => fixture.App;

    private Service Service => new(() => App.CreateClient(), LedgerApp.AdminLogin, LedgerApp.AdminPassword);

    private void AssertOk(Report report)
    {
        output.WriteLine(report.ToString());
        Assert.True(report.Ok, report.ToString());
    }

    [SkippableFact]
    public void Route_table_is_read_from_the_app_so_new_routes_are_probed_too()
    {
        var routes = RouteCatalog.From(App.Services);
        Assert.Contains(routes, r => r.ToString() == "POST /api/v1/communities/{c}/entries");
        Assert.Contains(routes, r => r.ToString() == "GET /api/v1/communities/{c}/units/{unitId:long}/statement");
        Assert.True(routes.Count(r => r.IsWrite) >= 30, string.Join("\n", routes));
        Assert.True(routes.Count(r => r.Method == "GET") >= 25, string.Join("\n", routes));
    }

    /// <remarks>The two 500s this found are DefectTests (skipped until fixed); they are tolerated here so the rest still guards.</remarks>
    [SkippableFact]
    public async Task A_thousand_malformed_or_hostile_writes_get_no_5xx_and_change_no_balance()
    {
        AssertOk(await BadInputCheck.RunAsync(Service, RouteCatalog.From(App.Services), 
            new BadInputCheck.Options(1000, Concurrency: 4, KnownDefects: BadInputCheck.FoundDefects)));
    }

    [SkippableFact]
    public async Task The_same_payment_sent_a_thousand_times_by_fifty_clients_posts_once()
    {
        AssertOk(await DuplicatesCheck.RunAsync(Service, new DuplicatesCheck.Options(Submissions: 1000, Clients: 50)));
    }

    [SkippableFact]
    public async Task No_GET_route_shows_another_community_or_another_owners_unit()
    {
        AssertOk(await IsolationCheck.RunAsync(Service, RouteCatalog.From(App.Services)));
    }
}

public sealed class SqliteRobustnessTests(SqliteFixture fixture, ITestOutputHelper output) : RobustnessTests(fixture, output), IClassFixture<SqliteFixture>;

public sealed class PostgresRobustnessTests(PostgresFixture fixture, ITestOutputHelper output) : RobustnessTests(fixture, output), IClassFixture<PostgresFixture>;
