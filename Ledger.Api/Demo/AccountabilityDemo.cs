using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Demo;

/// <summary>
/// The demo's accountability loop, seeded through the domain's own code inside the month walk of
/// <see cref="DemoSeeder"/>: an evaluation of the trustee that owners answer and that closes, a query
/// the asker rates unsatisfactory, and one left unanswered past its deadline, each closed by the
/// supervisor's finding. (Every paid demo request already has its whole-process page.)
/// </summary>
public static class AccountabilityDemo
{
    private static readonly string[] Dimensions = ["服务态度", "保洁绿化", "秩序维护", "财务公开"];

    public sealed record People(long Manager, long Supervisor, long Committee, long Owner, IReadOnlyList<long> Voters);

    /// <param name="setClock">Moves the seed clock; every write happens at the clock's time.</param>
    public static async Task SeedMonthAsync(LedgerDatabase db, CommunityWriter writer, CommunityInfo community, RegisterBook register, Action<DateTimeOffset> setClock,
        Func<DateOnly, int, DateTimeOffset> at, Month m, People people, int round, CancellationToken ct)
    {
        var evaluations = new EvaluationBook(db);
        var queries = new InquiryBook(db);
        var random = new Random(20261130 + round);
        async Task<T> Write<T>(long user, Func<WriteScope, Task<Result<T>>> work)
        {
            T value = default!;
            var outcome = await writer.DoAsync(community, user, async scope =>
            {
                var r = await work(scope);
                if (!r.Ok) return r.Failure;
                value = r.Value!;
                return null;
            }, ct);
            if (outcome is WriteOutcome.Failed f) throw new InvalidOperationException($"Demo seed: {f.Failure.Code} {f.Failure.Detail}");
            return value;
        }

        // The evaluation: open for two weeks from the 12th; about a fifth of the owners answer.
        var opens = at(m.FirstDay.AddDays(11), 9);
        setClock(opens);
        var half = m.Number <= 6 ? "上半年" : "下半年";
        var evaluation = await Write(people.Committee, s => evaluations.CreateAsync(s, new NewEvaluation($"{m.Year}年{half}受托人服务评价", opens, opens.AddDays(14), Dimensions)));
        var respondents = people.Voters.Where((_, i) => i % 5 == round % 5).ToList();
        for (var i = 0; i < respondents.Count; i++)
        {
            setClock(opens.AddMinutes(10 + i * 10));
            var scores = Dimensions.ToDictionary(d => d, d => Math.Clamp(4 + random.Next(-2, 2) + (d == "财务公开" ? round : 0), 1, 5));
            await Write(respondents[i], s => evaluations.RespondAsync(s, evaluation.Id, scores, ""));
        }

        // A query rated unsatisfactory, and one left unanswered past its deadline: both go to the supervisor.
        setClock(at(m.FirstDay.AddDays(12), 20));
        var disputed = await Write(people.Owner, s => queries.AskAsync(s, "statement", m.Previous.ToString(), "上月电梯维保费用为何没有附维保记录？"));
        var ignored = await Write(people.Owner, s => queries.AskAsync(s, "statement", m.Previous.ToString(), "停车收入为何比去年同期少？"));
        setClock(at(m.FirstDay.AddDays(14), 10));
        await Write(people.Manager, s => queries.AnswerAsync(s, disputed.Id, "维保公司按合同每月两次保养，记录由维保公司保存。"));
        setClock(at(m.FirstDay.AddDays(15), 10));
        await Write(people.Owner, s => queries.RateAsync(s, disputed.Id, false, "记录应当公开，而不是由维保公司保存。"));
        setClock(at(m.FirstDay.AddDays(21), 10));
        await Write(people.Supervisor, s => queries.FindAsync(s, disputed.Id, "质询成立：维保记录属于共有部分管理资料，已要求受托人每月随报表公开。", true, [Roles.Supervisor]));
        await Write(people.Supervisor, s => queries.FindAsync(s, ignored.Id, "受托人逾期未答复，已书面提醒；经核对，停车收入减少系临时停车位改为绿化，已经业主大会同意。", false, [Roles.Supervisor]));
    }
}
