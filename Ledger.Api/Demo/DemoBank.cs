using System.Globalization;
using System.Security.Cryptography;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Demo;

/// <summary>
/// The demo community's bank: for every closed month, the bank's camt.053 statement of the common
/// fund's account (every fee payment, revenue and payout the books hold, each carrying its reference
/// as the end-to-end id), imported and matched through the service's own code, and the month's
/// reconciliation signed by the supervisor. In the last closed month the bank also charged an account
/// fee the books do not hold: a reconciling item, signed with a remark.
/// </summary>
internal static class DemoBank
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Movement
    {
        public string Day { get; init; } = "";
        public long Amount { get; init; }
        public string Reference { get; init; } = "";
        public string Party { get; init; } = "";
        public string Memo { get; init; } = "";
    }

    /// <summary>Statements and signed reconciliations of the closed months <paramref name="first"/> to <paramref name="last"/>,
    /// each imported and signed the day after the month's close day, or at <paramref name="now"/> if that day has not come.</summary>
    public static async Task SeedAsync(LedgerDatabase db, CommunityInfo community, long manager, long supervisor, Month first, Month last, DateTimeOffset now,
        CancellationToken ct)
    {
        if (last < first) return;
        var clock = new Clock(now);
        var register = new RegisterBook(db, clock);
        var bank = new BankBook(db, new FeeBook(db, new Journal(db)));
        var writer = new CommunityWriter(db, clock);
        List<Movement> movements;
        await using (var connection = await db.OpenAsync(ct))
            movements = (await connection.QueryAsync<Movement>("""
                SELECT paid_on AS day, amount_fen AS amount, external_ref AS reference,
                       CASE channel WHEN 'wechat' THEN '财付通支付科技有限公司' WHEN 'alipay' THEN '支付宝（中国）网络技术有限公司' ELSE '个人转账' END AS party, '物业费' AS memo
                FROM payments WHERE community_id = @Id
                UNION ALL SELECT received_on, amount_fen, external_ref, payer, memo FROM receipts WHERE community_id = @Id
                UNION ALL SELECT paid_on, -amount_fen, bank_ref, payee, description FROM spending_requests WHERE community_id = @Id AND status = 'paid'
                """, new { community.Id })).ToList();

        long opening = 0;
        for (var m = first; m <= last; m = m.Next)
        {
            var month = m;
            var lines = new List<BankLine>();
            var balance = opening;
            var n = 0;
            foreach (var x in movements.Where(x => x.Day.StartsWith(month.ToString(), StringComparison.Ordinal)).OrderBy(x => x.Day, StringComparer.Ordinal).ThenByDescending(x => x.Amount))
            {
                var day = DateOnly.ParseExact(x.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                balance += x.Amount;
                lines.Add(new BankLine(++n, day, x.Amount, balance, $"CMB{day:yyyyMMdd}{n:D5}", x.Reference, x.Party, x.Memo));
            }
            if (month == last)
            {
                balance -= 1_250;
                lines.Add(new BankLine(++n, month.LastDay, -1_250, balance, $"CMB{month.LastDay:yyyyMMdd}{n:D5}", null, "招商银行", "账户管理费"));
            }
            var camt = BankFiles.WriteCamt053($"DEMO-1002-{month}", month.FirstDay, month.LastDay, opening, lines);
            var file = BankFiles.ReadCamt053(camt).File ?? throw new InvalidOperationException($"Demo seed: the bank statement of {month} does not read back");
            var sha = Convert.ToHexStringLower(SHA256.HashData(camt));
            var signAt = new DateTimeOffset(month.Next.FirstDay.AddDays(5).ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero);
            clock.Now = signAt < now ? signAt : now;
            await Must(writer.DoAsync(community, manager, async scope =>
            {
                var imported = await bank.ImportAsync(scope, BankAccounts.Common, "camt053", sha, file);
                return imported.Ok ? null : imported.Failure;
            }, ct));
            var remarks = month == last
                ? "银行于月末扣收账户管理费12.50元，账面尚未记载，列为未达账项；已要求受托人提交支出申请入账。"
                : "银行对账单与账面逐笔核对一致。";
            await Must(writer.DoAsync(community, supervisor, async scope =>
            {
                var signed = await bank.SignAsync(scope, month, BankAccounts.Common, remarks, [Roles.Supervisor]);
                return signed.Ok ? null : signed.Failure;
            }, ct));
            opening = balance;
        }
    }

    private static async Task Must(Task<WriteOutcome> write)
    {
        if (await write is WriteOutcome.Failed f) throw new InvalidOperationException($"Demo seed (bank): {f.Failure.Code} {f.Failure.Detail}");
    }
}
