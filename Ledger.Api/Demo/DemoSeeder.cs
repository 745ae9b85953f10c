using System.Diagnostics;
using Dapper;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Demo;

using FeeMath = global::Ledger.Domain.Model.Fees;

/// <summary>
/// On first start of an empty embedded database, builds one demo community through the domain's own
/// code: about 2,000 units, a year of monthly bills, payments with realistic arrears, public revenue,
/// a budget voted by the owners, approved and paid spending, remuneration, an answered query, and a
/// closed, remarked and published statement for every past month. A seed clock walks the year
/// forward, so every row is what the service itself would have written on that day.
/// </summary>
public sealed class DemoSeeder(LedgerDatabase db, IOptions<LedgerOptions> options, TimeProvider realClock, ILogger<DemoSeeder> log,
    IHostApplicationLifetime lifetime, IServer server) : IStartupSeeder
{
    public const string Slug = "demo";
    public const string Password = "ledger-demo-2026";
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>The seed's clock: set to each event's time, never past <paramref name="limit"/> (the real now), so
    /// nothing seeded is dated after the moment the service first started, whatever day that is.</summary>
    private sealed class SeedClock(DateTimeOffset now, DateTimeOffset limit) : TimeProvider
    {
        private DateTimeOffset _now = now < limit ? now : limit;
        public DateTimeOffset Now { get => _now; set => _now = value < limit ? value : limit; }
        public override DateTimeOffset GetUtcNow() => Now;
    }

    public async Task SeedAsync(CancellationToken ct)
    {
        var enabled = options.Value.Demo.Seed ?? db.Engine == Engine.Sqlite;
        if (!enabled) return;
        await using (var connection = await db.OpenAsync(ct))
            if (await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM communities") > 0) return;
        Console.WriteLine("Seeding the demo community (2,000 units, a year of books); this takes a little while on first start...");
        var sw = Stopwatch.StartNew();
        IReadOnlyList<string> logins;
        try { logins = await BuildAsync(ct); }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
        {
            // The service still runs; the demo is a convenience, not part of the books.
            log.LogError(e, "Seeding the demo community failed; delete the database file to try again");
            return;
        }
        log.LogInformation("Demo community seeded in {Seconds:F1} s", sw.Elapsed.TotalSeconds);
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5080";
            address = address.Replace("0.0.0.0", "localhost").Replace("[::]", "localhost");
            Console.WriteLine($"""

                ==================================================================
                 Demo community ready.
                   public page:    {address}/p/{Slug}            (English: ?lang=en)
                   embeddable:     {address}/embed/{Slug}/latest
                   portal:         {address}/app            (sign in with a login below)
                   jobs dashboard: {address}/jobs           (platform admin, after signing in at /app/login)
                   verify it:      dotnet run --project Ledger.Api -- verify {address}/p/{Slug}
                   API docs:       {address}/docs
                   logins (password {Password}): {string.Join(", ", logins)}
                ==================================================================

                """);
        });
    }

    private async Task<IReadOnlyList<string>> BuildAsync(CancellationToken ct)
    {
        var now = realClock.GetUtcNow();
        var today = Dates.DayOf(now, Zone);
        var booksStart = Month.Of(today).Previous.Previous.Previous.Previous.Previous.Previous.Previous.Previous.Previous.Previous.Previous;
        var clock = new SeedClock(At(booksStart.FirstDay, 8), now);
        var lastClosed = booksStart.Previous; // none yet
        var communities = new CommunityBook(db, clock);
        var identity = new IdentityBook(db, clock);
        var register = new RegisterBook(db, clock);
        var journal = new Journal(db);
        var writer = new CommunityWriter(db, clock);
        var fees = new FeeBook(db, journal);
        var budgets = new BudgetBook(db);
        var motions = new MotionBook(db);
        var spending = new SpendingBook(db, journal);
        var queries = new InquiryBook(db);
        var statements = new StatementBook(db, communities, spending);
        var random = new Random(20261121);

        var community = (await communities.CreateAsync(new NewCommunity(Slug, "幸福里小区（演示）", "Asia/Shanghai", 1, booksStart))).Value!;
        async Task<long> UserAsync(string login, string name, params string[] roles)
        {
            var user = (await identity.CreateUserAsync(login, name, Password)).Value!;
            if (roles.Length > 0) await identity.SetRolesAsync(community.Id, user.Id, roles);
            return user.Id;
        }
        var manager = await UserAsync("demo-manager", "物业项目经理", Roles.Trustee, Roles.TrusteeManager);
        var supervisor = await UserAsync("demo-supervisor", "监察人（社区律师）", Roles.Supervisor);
        var committee = await UserAsync("demo-committee", "业委会委员", Roles.Committee, Roles.CommunityAdmin);

        async Task Write(long? user, Func<WriteScope, Task> work)
        {
            var outcome = await writer.DoAsync(community, user, async scope =>
            {
                await work(scope);
                return null;
            }, ct);
            if (outcome is WriteOutcome.Failed f) throw new InvalidOperationException($"Demo seed: {f.Failure.Code} {f.Failure.Detail}");
        }
        static T Must<T>(Result<T> r) => r.Ok ? r.Value! : throw new InvalidOperationException($"Demo seed: {r.Failure!.Code} {r.Failure.Detail}");

        // The register: 20 buildings × 100 units, a few shops; some buyers hold two units; 30 unsold.
        var rows = new List<ImportRow>();
        for (var b = 1; b <= 20; b++)
            for (var n = 0; n < 100; n++)
            {
                var floor = n / 4 + 1;
                var number = $"{floor}{n % 4 + 1:D2}";
                var shop = b <= 2 && floor == 1;
                var area = shop ? 12_000 + random.Next(0, 6_000) : 6_000 + random.Next(0, 8_000);
                var unsold = b == 20 && n >= 70;
                var owner = unsold ? null : b % 5 == 0 && n % 10 == 1 ? $"业主{b}-{n - 1}" : $"业主{b}-{n}";
                rows.Add(new ImportRow(new NewUnit($"{b}栋", number, shop ? "commercial" : "residential", area, "registered", !unsold), owner, OwnerKinds.Person));
            }
        long ownerUser = 0;
        await Write(committee, async scope =>
        {
            await register.AddUnitsAsync(scope, rows);
            var unsoldIds = (await scope.QueryAsync<long>("SELECT id FROM units WHERE community_id = @Id AND delivered = @No", new { scope.Community.Id, No = false })).ToList();
            Must(await register.AddOwnerAsync(scope, "某某置业有限公司", OwnerKinds.Developer, []));
            Must(await fees.SetScheduleAsync(scope, booksStart, new Dictionary<string, long> { ["residential"] = 18_000, ["commercial"] = 35_000 }));
            await register.SetTrustTermsAsync(scope, new TrustTerms(
                new TrustTerms.TrusteeInfo("某某物业服务有限公司", "91510107MA6C000000"), new TrustTerms.RemunerationTerms("percent", 1_000, null),
                new TrustTerms.ApprovalTerms(200_000, 10_000_000, 30), new TrustTerms.DisclosureTerms(5, 3, "aggregate"), 7,
                ["https://sq.example.cn"], null, false));
        });
        ownerUser = await UserAsync("demo-owner", "业主（1栋101）");
        // Every owner gets a ballot-only account (no usable password), so the register can vote.
        await using (var connection = await db.OpenAsync(ct))
        await using (var tx = await db.BeginWriteAsync(connection, ct))
        {
            var owners = (await connection.QueryAsync<(long Id, string Name)>("SELECT id, name FROM owners WHERE community_id = @Id AND kind = 'person' ORDER BY id",
                new { community.Id }, tx)).ToList();
            var first = owners.First(o => o.Name == "业主1-0").Id;
            await connection.ExecuteAsync("INSERT INTO owner_users (community_id, owner_id, user_id) VALUES (@Id, @first, @ownerUser)", new { community.Id, first, ownerUser }, tx);
            await connection.ExecuteAsync("INSERT INTO memberships (community_id, user_id, role) VALUES (@Id, @ownerUser, 'owner')", new { community.Id, ownerUser }, tx);
            foreach (var o in owners.Where(o => o.Id != first))
            {
                var uid = await connection.QuerySingleAsync<long>("""
                    INSERT INTO users (login, display_name, password_hash, is_platform_admin, created_at) VALUES (@Login, @Login, '!', @No, @At) RETURNING id
                    """, new { Login = $"voter-{o.Id}", No = false, At = Dates.Instant(clock.Now) }, tx);
                await connection.ExecuteAsync("INSERT INTO owner_users (community_id, owner_id, user_id) VALUES (@Id, @OwnerId, @uid)", new { community.Id, OwnerId = o.Id, uid }, tx);
            }
            await tx.CommitAsync(ct);
        }
        var voters = (await QueryAsync<long>("SELECT user_id FROM owner_users WHERE community_id = @Id ORDER BY user_id", new { community.Id })).ToList();
        var units = (await QueryAsync<(long Id, long Area, string Use)>("SELECT id, area_centi_m2, use FROM units WHERE community_id = @Id ORDER BY id", new { community.Id })).ToList();
        // Payment habits: most pay within the month; some settle each quarter or every other month
        // in arrears; a few pay half a year ahead; a few not at all.
        var habit = units.ToDictionary(u => u.Id, _ => random.Next(100) switch { < 78 => 0, < 87 => 1, < 92 => 4, < 96 => 2, _ => 3 });

        var lines = new (string Account, long Annual, string Payee, long Monthly)[]
        {
            ("6101", 96_000_000, "本项目员工工资及社保", 7_800_000), ("6103", 28_800_000, "某某保洁服务有限公司", 2_350_000),
            ("6104", 9_600_000, "某某园林绿化有限公司", 760_000), ("6105", 36_000_000, "某某保安服务有限公司", 2_900_000),
            ("6108", 18_000_000, "国网电力（公共区域）", 1_300_000), ("6109", 12_000_000, "某某电梯维保有限公司", 980_000),
            ("6102", 12_000_000, "某某建筑维修工程队", 0), ("6201", 25_000_000, "某某物业服务有限公司", 0),
        };

        var index = -1;
        for (var month = booksStart; month <= Month.Of(today); month = month.Next)
        {
            var m = month;
            index++;
            var current = m == Month.Of(today);
            clock.Now = At(m.FirstDay, 8);
            await Write(manager, async scope => Must(await fees.RunBillingAsync(scope, m)));

            // The fiscal year's budget, voted by the owners in its first week.
            var fy = Period.FiscalYearOf(m, 1);
            // In the current month only the steps whose time has come (the vote may still be announced or open).
            if ((m == booksStart || m.Number == 1) && At(m.FirstDay.AddDays(1), 9) <= now)
            {
                clock.Now = At(m.FirstDay.AddDays(1), 9);
                long budgetId = 0, motionId = 0;
                await Write(manager, async scope =>
                {
                    var budget = Must(await budgets.CreateAsync(scope, new BudgetDraft(fy,
                        lines.Select(l => new BudgetLine(l.Account, l.Annual, "")).ToList(), [new BudgetLine("5101", 420_000_000, "物业服务费")])));
                    budgetId = Must(await budgets.PublishAsync(scope, budget.Id)).Id;
                });
                // Announced the notice period (15 days) before it opens; closed before the month's spending.
                await Write(committee, async scope => motionId = Must(await motions.CreateAsync(scope,
                    new NewMotion(MotionKinds.BudgetAdoption, budgetId, $"{fy}年度开放预算表决", "请业主对本年度开放预算进行表决。", clock.Now.AddDays(15), clock.Now.AddDays(22)))).Id);
                if (clock.Now.AddDays(17) <= now)
                {
                    clock.Now = clock.Now.AddDays(17);
                    await Write(null, async scope =>
                    {
                        foreach (var voter in voters.Where((_, i) => i % 10 < 8))
                            Must(await motions.CastAsync(scope, motionId, voter, random.Next(100) < 86 ? Choices.Yes : random.Next(2) == 0 ? Choices.No : Choices.Abstain));
                    });
                }
                if (At(m.FirstDay.AddDays(23), 10) <= now)
                {
                    clock.Now = At(m.FirstDay.AddDays(23), 10);
                    await Write(null, async scope => await motions.AdvanceAsync(scope, motionId));
                }
            }

            // Close last month on the close day, with the supervisor's remark, and publish it after the sign-off
            // window: each only once its day has come (early in the current month last month is still open).
            if (m > booksStart && At(m.FirstDay.AddDays(4), 10) <= now)
            {
                clock.Now = At(m.FirstDay.AddDays(4), 10);
                await Write(manager, async scope => Must(await spending.AccrueRemunerationAsync(scope, m.Previous)));
                await Write(manager, async scope => Must(await statements.CloseAndBuildAsync(scope, m.Previous)));
                lastClosed = m.Previous;
                await Write(supervisor, async scope => Must(await statements.RemarkAsync(scope, Period.OfMonth(m.Previous),
                    random.Next(3) == 0 ? "已核对本月全部支出凭证，未发现异常。" : "支出与预算相符；请物业加强欠费催收。", [Roles.Supervisor])));
                if (clock.Now.AddDays(3) <= now)
                {
                    clock.Now = clock.Now.AddDays(3);
                    await Write(committee, async scope => await statements.PublishDueAsync(scope));
                }
            }

            // Payments through the month (only up to today in the current month).
            var payday = current ? today : m.LastDay;
            clock.Now = current ? now : At(m.LastDay, 20);
            await Write(manager, async scope =>
            {
                var i = 0;
                foreach (var u in units)
                {
                    var fee = FeeMath.MonthlyFee(u.Area, u.Use == "commercial" ? 35_000 : 18_000);
                    var (pays, amount) = habit[u.Id] switch
                    {
                        0 => (true, fee),
                        1 => (index % 3 == 2, fee * 3),
                        4 => (index % 2 == 1, fee * 2),
                        2 => (index % 6 == 0, fee * 6),
                        _ => (false, 0L),
                    };
                    if (!pays) continue;
                    var day = new DateOnly(m.Year, m.Number, Math.Min(payday.Day, 3 + i++ % 24));
                    Must(await fees.PayAsync(scope, u.Id, amount, day, i % 3 == 0 ? "wechat" : i % 3 == 1 ? "alipay" : "bank", $"DEMO-{m}-{u.Id}"));
                }
                var revenueDay = new DateOnly(m.Year, m.Number, Math.Min(payday.Day, 10));
                Must(await fees.ReceiveAsync(scope, "parking", 3_200_000 + random.Next(0, 400_000), revenueDay, "某某停车管理有限公司", $"{m} 临时停车收入", $"PARK-{m}"));
                Must(await fees.ReceiveAsync(scope, "advertising", 860_000, revenueDay, "某某传媒有限公司", $"{m} 电梯广告", $"AD-{m}"));
                if (m.Number % 3 == 0) Must(await fees.ReceiveAsync(scope, "interest", 41_000 + random.Next(0, 5_000), revenueDay, "开户银行", "季度结息", $"INT-{m}"));
            });

            // Monthly spending: filed by the trustee, approved by the supervisor (and the committee above 2,000 yuan), paid.
            if (!current || today.Day >= 25) // after the year's budget vote has closed (day 24); the clock stops at now
            {
                var spendDay = current ? today : new DateOnly(m.Year, m.Number, 25);
                clock.Now = At(spendDay, 9);
                var filed = new List<long>();
                await Write(manager, async scope =>
                {
                    foreach (var l in lines.Where(l => l.Monthly > 0))
                        filed.Add(Must(await spending.FileAsync(scope, new NewSpendingRequest(l.Payee, l.Monthly + random.Next(-50_000, 50_000), l.Account, null, $"{m} 服务费用", []))).Id);
                    if (m.Number % 4 == 2)
                        filed.Add(Must(await spending.FileAsync(scope, new NewSpendingRequest("某某建筑维修工程队", 1_450_000, "6102", null, "单元门禁及消防通道维修", []))).Id);
                    var payable = -await scope.QuerySingleAsync<long>("SELECT CAST(COALESCE(SUM(debit_fen - credit_fen), 0) AS BIGINT) FROM account_balances WHERE community_id = @Id AND account_code = '2211'",
                        new { scope.Community.Id });
                    if (payable > 0) filed.Add(Must(await spending.FileAsync(scope, new NewSpendingRequest("某某物业服务有限公司", payable, "2211", null, "支付已计提的受托人酬金", []))).Id);
                });
                await Write(supervisor, async scope => { foreach (var id in filed) Must(await spending.DecideAsync(scope, id, supervisor, [Roles.Supervisor], "approve", "凭证齐全，同意。")); });
                await Write(committee, async scope =>
                {
                    foreach (var id in filed)
                        if ((await spending.GetAsync(scope, scope.Community.Id, id, scope.Now))!.Status == SpendingStatus.Pending)
                            Must(await spending.DecideAsync(scope, id, committee, [Roles.Committee], "approve", "同意。"));
                });
                await Write(manager, async scope => { foreach (var id in filed) Must(await spending.PayAsync(scope, id, spendDay, $"BANK-{m}-{id}", null)); });
            }

            if (m == booksStart.Next.Next)
            {
                clock.Now = At(m.FirstDay.AddDays(11), 20);
                long queryId = 0;
                await Write(ownerUser, async scope => queryId = Must(await queries.AskAsync(scope, "statement", m.Previous.ToString(), "上月秩序维护费比预算月均高，原因是什么？")).Id);
                clock.Now = clock.Now.AddDays(2);
                await Write(manager, async scope => Must(await queries.AnswerAsync(scope, queryId, "上月增加了两名夜间巡逻人员（业委会已同意），合同及考勤表已上传备查。")));
            }
            if (m == booksStart.Next.Next.Next || m == booksStart.Next.Next.Next.Next.Next.Next.Next.Next.Next) await AccountabilityDemo.SeedMonthAsync(db, writer, community, register, t => clock.Now = t, At, m, new(manager, supervisor, committee, ownerUser, voters), index, ct);
        }
        await DemoBank.SeedAsync(db, community, manager, supervisor, booksStart, lastClosed, now, ct);
        await DecisionsDemo.SeedAsync(new(db, writer, register, motions, spending, community, t => clock.Now = t, committee, manager, voters), now, ct);
        return ["demo-manager", "demo-supervisor", "demo-committee", "demo-owner"];
    }

    private async Task<IEnumerable<T>> QueryAsync<T>(string sql, object param)
    {
        await using var connection = await db.OpenAsync();
        return await connection.QueryAsync<T>(sql, param);
    }

    private static DateTimeOffset At(DateOnly day, int hour) =>
        new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), Zone.GetUtcOffset(day.ToDateTime(new TimeOnly(hour, 0)))).ToUniversalTime();
}
