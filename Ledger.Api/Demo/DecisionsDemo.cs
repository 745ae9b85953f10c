using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Demo;

/// <summary>
/// The demo's owners' decisions, written through the domain's own code on the seed clock: a proposal that
/// qualified and became a motion, announced 15 days ahead, voted online and on paper (with scans), passed
/// and followed up to done; a proposal still collecting support; and a vote announced for the weeks ahead.
/// </summary>
public static class DecisionsDemo
{
    public sealed record Context(LedgerDatabase Db, CommunityWriter Writer, RegisterBook Register, MotionBook Motions, SpendingBook Spending,
        CommunityInfo Community, Action<DateTimeOffset> SetClock, long Committee, long Manager, IReadOnlyList<long> Voters);

    public static async Task SeedAsync(Context x, DateTimeOffset now, CancellationToken ct)
    {
        var proposals = new ProposalBook(x.Db);
        var decisions = new DecisionBook(x.Db, x.Motions);
        async Task<T> Write<T>(DateTimeOffset at, long? user, Func<WriteScope, Task<Result<T>>> work)
        {
            x.SetClock(at);
            T value = default!;
            var outcome = await x.Writer.DoAsync(x.Community, user, async scope =>
            {
                var result = await work(scope);
                if (!result.Ok) return result.Failure;
                value = result.Value!;
                return null;
            }, ct);
            if (outcome is WriteOutcome.Failed f) throw new InvalidOperationException($"Demo seed (decisions): {f.Failure.Code} {f.Failure.Detail}");
            return value;
        }

        // A proposal from an owner, supported by every fourth voter: past 20% of the area and the headcount.
        var start = now.AddDays(-75);
        var proposer = x.Voters[4];
        var proposal = await Write(start, proposer, scope => proposals.CreateAsync(scope, proposer, "增设电动自行车集中充电棚",
            "楼道充电存在火灾隐患。建议在3栋、12栋旁空地各建一处集中充电棚，费用从共有基金公共收益中列支，由受托人询价后报业主大会表决。"));
        var supporters = x.Voters.Where((_, i) => (i % 4 == 0 || i % 20 == 1) && i != 4).ToList();
        await Write(start.AddDays(3), null, async scope =>
        {
            foreach (var user in supporters)
            {
                var supported = await proposals.SupportAsync(scope, proposal.Id, user);
                if (!supported.Ok && supported.Failure!.Code != DecisionCodes.AlreadySupported) return supported.Failure!;
            }
            return Result<bool>.From(true);
        });

        // The committee answers it with a motion, announced the notice period (15 days) before it opens.
        var motion = await Write(start.AddDays(6), x.Committee, async scope =>
        {
            var created = await x.Motions.CreateAsync(scope, new NewMotion("common_parts_use_change", null, "在共有场地增设电动自行车集中充电棚",
                "依据业主提案（联名已达专有部分面积和人数的20%）：在3栋、12栋旁共有场地各建一处集中充电棚，预算约8万元，从公共收益中列支。", start.AddDays(21), start.AddDays(28)));
            if (!created.Ok) return created.Failure!;
            return await ProposalBook.AnswerAsync(scope, proposal.Id, created.Value!.Id) is { } refused ? refused : Result<long>.From(created.Value!.Id);
        });

        // Online ballots from most voters; paper ballots, with the scan of each signed form, for others.
        var random = new Random(15);
        await Write(start.AddDays(22), null, async scope =>
        {
            foreach (var user in x.Voters.Where((_, i) => i % 10 < 7))
            {
                var cast = await x.Motions.CastAsync(scope, motion, user, random.Next(100) < 88 ? Choices.Yes : random.Next(2) == 0 ? Choices.No : Choices.Abstain);
                if (!cast.Ok) return cast.Failure!;
            }
            return Result<bool>.From(true);
        });
        var unitOf = (await QueryAsync<(long UserId, long UnitId)>(x.Db, """
            SELECT ou.user_id, MIN(uo.unit_id) FROM owner_users ou JOIN unit_owners uo ON uo.community_id = ou.community_id AND uo.owner_id = ou.owner_id
            WHERE ou.community_id = @Id GROUP BY ou.user_id
            """, new { x.Community.Id })).ToDictionary(r => r.UserId, r => r.UnitId);
        var paperUnits = x.Voters.Where((_, i) => i % 10 is 7 or 8).Where(unitOf.ContainsKey).Select(u => unitOf[u]).ToList();
        await Write(start.AddDays(24), x.Committee, async scope =>
        {
            foreach (var unit in paperUnits)
            {
                // A stand-in for the scanned form: a PNG header and the unit, so each scan differs.
                byte[] scan = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. BitConverter.GetBytes(unit)];
                var stored = await x.Spending.StoreAttachmentAsync(scope, scan);
                if (!stored.Ok) return stored.Failure!;
                var paper = await decisions.RecordPaperAsync(scope, motion, unit, random.Next(100) < 80 ? Choices.Yes : Choices.No, stored.Value!.Sha256);
                if (!paper.Ok && paper.Failure!.Code is not (DecisionCodes.AlreadyVoted or DecisionCodes.UnitNotOnRegister)) return paper.Failure!;
            }
            return Result<bool>.From(true);
        });
        await Write(start.AddDays(28).AddHours(1), null, async scope => Result<string>.From(await x.Motions.AdvanceAsync(scope, motion) ?? ""));

        // The follow-up: planned by the committee, carried out and documented by the trustee.
        await Write(start.AddDays(31), x.Committee, scope => decisions.FollowUpAsync(scope, motion, FollowUpStatus.Planned,
            "受托人已取得三家供应商报价，业委会确定于下月开工。", [], "committee"));
        await Write(start.AddDays(45), x.Manager, async scope =>
        {
            var contract = await x.Spending.StoreAttachmentAsync(scope, "%PDF-1.4\n% 充电棚施工合同（演示）\n"u8.ToArray());
            if (!contract.Ok) return contract.Failure!;
            return await decisions.FollowUpAsync(scope, motion, FollowUpStatus.InProgress, "施工合同已签订，3栋充电棚已完工，12栋在建。", [contract.Value!.Sha256], "trustee");
        });
        await Write(start.AddDays(60), x.Manager, scope => decisions.FollowUpAsync(scope, motion, FollowUpStatus.Done,
            "两处充电棚均已完工并通过消防验收，已投入使用。", [], "trustee"));

        // A proposal still collecting support, and a vote announced for the weeks ahead.
        var second = await Write(now.AddDays(-6), x.Voters[9], scope => proposals.CreateAsync(scope, x.Voters[9], "小区东门增设无障碍坡道",
            "东门台阶对轮椅和婴儿车不便，建议增设无障碍坡道。"));
        await Write(now.AddDays(-5), null, async scope =>
        {
            foreach (var user in x.Voters.Where((_, i) => i % 37 == 1))
            {
                var supported = await proposals.SupportAsync(scope, second.Id, user);
                if (!supported.Ok && supported.Failure!.Code != DecisionCodes.AlreadySupported) return supported.Failure!;
            }
            return Result<bool>.From(true);
        });
        await Write(now.AddDays(-1), x.Committee, scope => x.Motions.CreateAsync(scope, new NewMotion("trustee_appointment", null, "续聘物业服务受托人",
            "现受托人合同期满，业委会提议续聘三年，酬金比例不变。", now.AddDays(16), now.AddDays(23))));
    }

    private static async Task<IEnumerable<T>> QueryAsync<T>(LedgerDatabase db, string sql, object param)
    {
        await using var connection = await db.OpenAsync();
        return await connection.QueryAsync<T>(sql, param);
    }
}
