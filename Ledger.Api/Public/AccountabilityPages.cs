using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Caching.Memory;
using static Ledger.Api.Public.Html;
using static Ledger.Api.Public.PublicEndpoints;

namespace Ledger.Api.Public;

/// <summary>
/// Public pages of the accountability loop: every decided spending request's whole process, the
/// owners' queries with their answers and findings (never who asked), and the closed evaluations of
/// the trustee in aggregate with their history.
/// </summary>
public static class AccountabilityPages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly Dictionary<string, string> Zh = new()
    {
        ["accountability"] = "问责与评价", ["accountabilityLink"] = "业主质询的答复与监察、对受托人的服务评价", ["asked"] = "提出", ["answeredInTime"] = "按时答复",
        ["ratedSatisfied"] = "答复获满意", ["escalated"] = "提交监察人", ["question"] = "质询", ["answer"] = "答复", ["status"] = "状态", ["finding"] = "监察人结论",
        ["upheld"] = "质询成立", ["notUpheld"] = "质询不成立", ["subject"] = "对象", ["queryList"] = "质询与答复", ["noQueries"] = "尚无质询。",
        ["open"] = "待答复", ["answered"] = "已答复", ["overdue"] = "逾期未答复", ["satisfied"] = "提问人满意", ["closed"] = "已结案",
        ["because.unsatisfied"] = "提问人不满意", ["because.late"] = "答复逾期", ["entry"] = "账簿分录", ["ownEntry"] = "业主本户的账簿分录（不公开序号）", ["statement"] = "报表", ["spendingRequest"] = "支出申请",
        ["evaluations"] = "服务评价（两评）", ["noEvaluations"] = "尚无已结束的评价。", ["participation"] = "参与", ["mean"] = "平均分", ["dimension"] = "评价项目",
        ["overallMean"] = "各次评价的平均分", ["suppressed"] = "参与人数过少，为保护个人评价不公布分数分布。", ["counts"] = "1–5 分人数",
        ["spending"] = "支出申请全过程", ["requested"] = "申请", ["why"] = "用途说明", ["budgetLine"] = "预算科目", ["lineBudget"] = "该科目年度预算",
        ["leftAtFiling"] = "申请时科目剩余", ["notInBudget"] = "不在预算内", ["accruedNoBudget"] = "不占用预算（支付已计提的酬金）", ["notRecorded"] = "未记录", ["decisions"] = "审批", ["role"] = "角色", ["decision"] = "决定",
        ["comment"] = "意见", ["approve"] = "同意", ["reject"] = "驳回", ["supervisor"] = "监察人", ["committee"] = "业委会", ["vote"] = "业主表决",
        ["voteNeeded"] = "需业主表决", ["payment"] = "付款", ["paidOn"] = "付款日期", ["bankRef"] = "银行流水号", ["voucherHash"] = "凭证哈希", ["entrySeq"] = "账簿分录",
        ["entryHash"] = "分录哈希", ["attachments"] = "附件哈希", ["filedAt"] = "申请时间", ["notPaid"] = "尚未付款。", ["requestStatus"] = "申请状态",
        ["pending"] = "审批中", ["approved"] = "已批准", ["rejected"] = "已驳回", ["cancelled"] = "已撤回", ["expired"] = "已过期", ["paid"] = "已付款",
        ["closesAt"] = "结束", ["byMonth"] = "按月统计", ["month"] = "月份", ["item"] = "项目", ["detail"] = "内容",
    };

    private static readonly Dictionary<string, string> En = new()
    {
        ["accountability"] = "Accountability", ["accountabilityLink"] = "Owners' queries, answers and findings; evaluations of the trustee", ["asked"] = "Asked",
        ["answeredInTime"] = "Answered in time", ["ratedSatisfied"] = "Rated satisfied", ["escalated"] = "Escalated to the supervisor", ["question"] = "Question",
        ["answer"] = "Answer", ["status"] = "Status", ["finding"] = "Supervisor's finding", ["upheld"] = "Upheld", ["notUpheld"] = "Not upheld", ["subject"] = "About",
        ["queryList"] = "Queries and answers", ["noQueries"] = "No queries yet.", ["open"] = "Awaiting answer", ["answered"] = "Answered", ["overdue"] = "Overdue",
        ["satisfied"] = "Asker satisfied", ["closed"] = "Closed", ["because.unsatisfied"] = "asker not satisfied", ["because.late"] = "answer late",
        ["entry"] = "Journal entry", ["ownEntry"] = "An owner's own journal entry (its number is not public)", ["statement"] = "Statement", ["spendingRequest"] = "Spending request", ["evaluations"] = "Evaluations of the trustee",
        ["noEvaluations"] = "No evaluation has closed yet.", ["participation"] = "Took part", ["mean"] = "Mean", ["dimension"] = "Dimension",
        ["overallMean"] = "Mean score by evaluation", ["suppressed"] = "Too few answers: the scores are withheld so that no single answer can be worked out.",
        ["counts"] = "Answers scoring 1–5", ["spending"] = "Spending request, whole process", ["requested"] = "Request", ["why"] = "Purpose",
        ["budgetLine"] = "Budget line", ["lineBudget"] = "Annual budget of the line", ["leftAtFiling"] = "Left on the line at filing", ["notInBudget"] = "Not in the budget", ["accruedNoBudget"] = "Reserves no budget (pays remuneration already accrued)",
        ["notRecorded"] = "Not recorded", ["decisions"] = "Decisions", ["role"] = "Role", ["decision"] = "Decision", ["comment"] = "Comment", ["approve"] = "Approved",
        ["reject"] = "Rejected", ["supervisor"] = "Supervisor", ["committee"] = "Owners' committee", ["vote"] = "Owners' vote", ["voteNeeded"] = "Owners' vote required",
        ["payment"] = "Payment", ["paidOn"] = "Paid on", ["bankRef"] = "Bank reference", ["voucherHash"] = "Voucher hash", ["entrySeq"] = "Journal entry",
        ["entryHash"] = "Entry hash", ["attachments"] = "Attachment hashes", ["filedAt"] = "Filed", ["notPaid"] = "Not paid yet.", ["requestStatus"] = "Status",
        ["pending"] = "Pending", ["approved"] = "Approved", ["rejected"] = "Rejected", ["cancelled"] = "Withdrawn", ["expired"] = "Expired", ["paid"] = "Paid",
        ["closesAt"] = "Closed", ["byMonth"] = "By month", ["month"] = "Month", ["item"] = "Item", ["detail"] = "Detail",
    };

    private static string W(Texts t, string key) => (t.IsEnglish ? En : Zh).TryGetValue(key, out var w) ? w : t[key];

    /// <summary>A line's figure at filing. Paying accrued remuneration (2211) reserves no budget: its expense was the accrual's.</summary>
    private static string LineFigure(SpendingStory s, long? figure, Texts t) =>
        !s.FilingRecorded ? E(W(t, "notRecorded"))
        : figure is { } f ? E(Money(f))
        : E(W(t, s.Account == AccountCodes.RemunerationPayable ? "accruedNoBudget" : "notInBudget"));

    public static IEndpointRouteBuilder MapAccountabilityPages(this IEndpointRouteBuilder app)
    {
        var p = app.MapGroup("/p/{c}").AllowAnonymous().WithTags("Public").ExcludeFromDescription();
        p.MapGet("/accountability", Overview);
        p.MapGet("/spending/{id:long}.json", SpendingJson);
        p.MapGet("/spending/{id:long}", SpendingPage);
        p.MapGet("/evaluations/{id:long}.json", EvaluationJson);
        p.MapGet("/evaluations/{id:long}", EvaluationPage);
        return app;
    }

    /// <summary>The community page's link to this section.</summary>
    internal static string Summary(Texts t, string c) =>
        $"<h2>{E(W(t, "accountability"))}</h2><p><a href=\"/p/{E(c)}/accountability{LangQuery(t)}\">{E(W(t, "accountabilityLink"))} →</a></p>";

    private static string Status(Texts t, string status, string? because) =>
        E(W(t, status)) + (because is null ? "" : $" <span class=\"muted\">({E(W(t, "because." + because))})</span>");

    private static string FindingCell(Texts t, string? finding, bool? upheld) => finding is null ? "" :
        $"<span class=\"{(upheld == true ? "bad" : "ok")}\">{E(W(t, upheld == true ? "upheld" : "notUpheld"))}</span> {E(finding)}";

    private static string InquiryTable(Texts t, IEnumerable<(string Date, string Subject, string SubjectId, string Question, string? Answer, string Status, string? Because, string? Finding, bool? Upheld)> rows) =>
        Table([t["date"], W(t, "subject"), W(t, "question"), W(t, "answer"), W(t, "status"), W(t, "finding")], rows.Select(q => new[]
        {
            E(q.Date[..10]), SubjectCell(t, q.Subject, q.SubjectId), E(q.Question), E(q.Answer ?? "—"), Status(t, q.Status, q.Because), FindingCell(t, q.Finding, q.Upheld),
        }));

    /// <summary>What a query is about; a query about an owner's own entry (hidden from the public feed) comes without the entry's number.</summary>
    private static string SubjectCell(Texts t, string subject, string subjectId) =>
        subject == "entry" && subjectId.Length == 0 ? E(W(t, "ownEntry")) : $"{E(W(t, subject))} {E(subjectId)}";

    /// <summary>A statement's query figures and its questions with their answers (statements built before these were published show the counts only).</summary>
    internal static string StatementInquiries(Texts t, InquiryFigures q)
    {
        if (q.AnsweredInTime is null) return "";
        var b = new StringBuilder(Table([t["line"], t["amount"]], new[]
        {
            new[] { E(W(t, "answeredInTime")), q.AnsweredInTime.Value.ToString(CultureInfo.InvariantCulture) },
            new[] { E(W(t, "ratedSatisfied")), (q.RatedSatisfied ?? 0).ToString(CultureInfo.InvariantCulture) },
            new[] { E(W(t, "escalated")), (q.Escalated ?? 0).ToString(CultureInfo.InvariantCulture) },
        }, new HashSet<int> { 1 }));
        if (q.Items is { Count: > 0 } items)
            b.Append(InquiryTable(t, items.Select(i => (i.AskedAt, i.Subject, i.SubjectId, i.Question, i.Answer, i.Status, i.EscalatedBecause, i.Finding, i.Upheld))));
        return b.ToString();
    }

    // ---------------------------------------------------------------- overview

    private static Task<IResult> Overview(string c, HttpContext http, CommunityBook communities, InquiryBook inquiries, EvaluationBook evaluations,
        RegisterBook register, TimeProvider clock, IMemoryCache cache)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return NotFoundPage(http, t);
            var now = clock.GetUtcNow();
            var body = new StringBuilder($"<h1>{E(community.Name)} · {E(W(t, "accountability"))}</h1>");

            body.Append($"<h2>{E(W(t, "evaluations"))}</h2>");
            var closed = new List<EvaluationResult>();
            foreach (var e in (await evaluations.ListAsync(community.Id, now)).Where(e => e.Status == EvaluationBook.Closed))
                if ((await evaluations.ResultAsync(community.Id, e.Id, now)) is { Ok: true } r) closed.Add(r.Value!);
            if (closed.Count == 0) body.Append($"<p class=\"muted\">{E(W(t, "noEvaluations"))}</p>");
            else
            {
                var shown = closed.Where(r => !r.Suppressed).ToList();
                if (shown.Count > 0)
                    body.Append(Charts.Bars(W(t, "overallMean"), shown.Select(r => (r.Title, OverallHundredths(r))).ToList(), h => (h / 100m).ToString("0.00", CultureInfo.InvariantCulture)));
                body.Append(Table([W(t, "closesAt"), W(t, "evaluations"), W(t, "participation"), W(t, "mean")], closed.OrderByDescending(r => r.ClosesAt, StringComparer.Ordinal).Select(r => new[]
                {
                    E(r.ClosesAt[..10]), $"<a href=\"/p/{E(c)}/evaluations/{r.EvaluationId}{LangQuery(t)}\">{E(r.Title)}</a>",
                    $"{r.Participation.Voters} / {r.Participation.Eligible}", r.Suppressed ? "—" : (OverallHundredths(r) / 100m).ToString("0.00", CultureInfo.InvariantCulture),
                }), new HashSet<int> { 2, 3 }));
            }

            var queries = await inquiries.PublicListAsync(community, now);
            body.Append($"<h2>{E(t["queries"])} · {E(W(t, "byMonth"))}</h2>");
            var days = (await register.TrustTermsAsync(community.Id))?.Terms.QueryAnswerDays ?? 7;
            var months = queries.Select(q => Month.Of(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Instants.Parse(q.AskedAt), community.Zone).DateTime)))
                .Append(Month.Of(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, community.Zone).DateTime))).Distinct().OrderDescending().Take(12).ToList();
            var rows = (await inquiries.MonthlyFiguresAsync(community, months, now, days)).Select(x => new[]
            {
                E(x.Month.ToString()), x.Figures.Opened.ToString(CultureInfo.InvariantCulture), x.Figures.AnsweredInTime!.Value.ToString(CultureInfo.InvariantCulture),
                x.Figures.RatedSatisfied!.Value.ToString(CultureInfo.InvariantCulture), x.Figures.Escalated!.Value.ToString(CultureInfo.InvariantCulture),
            }).ToList();
            body.Append(Table([W(t, "month"), W(t, "asked"), W(t, "answeredInTime"), W(t, "ratedSatisfied"), W(t, "escalated")], rows, new HashSet<int> { 1, 2, 3, 4 }));
            body.Append($"<h2>{E(W(t, "queryList"))}</h2>");
            if (queries.Count == 0) body.Append($"<p class=\"muted\">{E(W(t, "noQueries"))}</p>");
            else body.Append(InquiryTable(t, queries.OrderByDescending(q => q.Id).Select(q =>
                (q.AskedAt, q.Subject, q.SubjectId, q.Question, q.Answer, q.Status, q.EscalatedBecause, q.Finding?.Finding, q.Finding?.Upheld))));
            return (200, Page(t, $"{community.Name} · {W(t, "accountability")}", body.ToString(), SwitchHref(http, t)));
        });
    }

    /// <summary>The mean over every dimension's answers, in hundredths, rounded half up: one number for the history chart.</summary>
    private static long OverallHundredths(EvaluationResult r)
    {
        long n = 0, sum = 0;
        foreach (var d in r.Dimensions)
            for (var s = 0; s < d.Counts.Count; s++) { n += d.Counts[s]; sum += d.Counts[s] * (s + 1); }
        return n == 0 ? 0 : (sum * 100 + n / 2) / n;
    }

    // ---------------------------------------------------------------- evaluations

    private static Task<IResult> EvaluationJson(string c, long id, HttpContext http, CommunityBook communities, EvaluationBook evaluations, TimeProvider clock, IMemoryCache cache) =>
        Serve(http, cache, "application/json; charset=utf-8", async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return (404, "");
            var result = await evaluations.ResultAsync(community.Id, id, clock.GetUtcNow());
            return result.Ok ? (200, JsonSerializer.Serialize(result.Value, Json)) : (404, "");
        });

    private static Task<IResult> EvaluationPage(string c, long id, HttpContext http, CommunityBook communities, EvaluationBook evaluations, TimeProvider clock, IMemoryCache cache)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            if (community is null) return NotFoundPage(http, t);
            var result = await evaluations.ResultAsync(community.Id, id, clock.GetUtcNow());
            if (!result.Ok) return NotFoundPage(http, t);
            var r = result.Value!;
            var body = new StringBuilder($"<h1>{E(r.Title)}</h1><p class=\"muted\">{E(community.Name)} · {E(W(t, "closesAt"))} {E(r.ClosesAt[..10])} · ")
                .Append($"{E(W(t, "participation"))} {r.Participation.Voters} / {r.Participation.Eligible}</p>");
            if (r.Suppressed) body.Append($"<p class=\"remark\">{E(W(t, "suppressed"))}</p>");
            else
            {
                body.Append(Charts.Bars(W(t, "mean"), r.Dimensions.Select(d => (d.Name, (long)(d.Mean!.Value * 100))).ToList(), h => (h / 100m).ToString("0.00", CultureInfo.InvariantCulture)));
                body.Append(Table([W(t, "dimension"), W(t, "mean"), "1", "2", "3", "4", "5"], r.Dimensions.Select(d =>
                    new[] { E(d.Name), d.Mean!.Value.ToString("0.00", CultureInfo.InvariantCulture) }.Concat(d.Counts.Select(n => n.ToString(CultureInfo.InvariantCulture))).ToArray()),
                    new HashSet<int> { 1, 2, 3, 4, 5, 6 }));
            }
            body.Append($"<p><a href=\"/p/{E(c)}/accountability{LangQuery(t)}\">{E(W(t, "accountability"))} →</a></p>");
            return (200, Page(t, r.Title, body.ToString(), SwitchHref(http, t)));
        });
    }

    // ---------------------------------------------------------------- spending

    private static Task<IResult> SpendingJson(string c, long id, HttpContext http, CommunityBook communities, SpendingStoryBook stories, TimeProvider clock, IMemoryCache cache) =>
        Serve(http, cache, "application/json; charset=utf-8", async () =>
        {
            var community = await communities.FindAsync(c);
            var story = community is null ? null : await stories.StoryAsync(community, id, clock.GetUtcNow());
            return story is null ? (404, "") : (200, JsonSerializer.Serialize(story, Json));
        });

    private static Task<IResult> SpendingPage(string c, long id, HttpContext http, CommunityBook communities, SpendingStoryBook stories, Journal journal,
        TimeProvider clock, IMemoryCache cache)
    {
        var t = Texts.For(http);
        return Serve(http, cache, HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            var s = community is null ? null : await stories.StoryAsync(community, id, clock.GetUtcNow());
            if (community is null || s is null) return NotFoundPage(http, t);
            // The story carries the chart's Chinese names; the English page shows the chart's English ones, as a statement's does.
            var english = await EnglishNamesAsync(t, journal, community.Id);
            string N(string account, string name) => english.TryGetValue(account, out var en) ? en : name;
            var lang = LangQuery(t);
            var b = new StringBuilder($"<h1>{E(W(t, "spending"))} #{s.Id}</h1><p class=\"muted\">{E(community.Name)} · {E(W(t, "requestStatus"))}: {E(W(t, s.Status))}</p>");
            b.Append($"<h2>{E(W(t, "requested"))}</h2>").Append(Table([W(t, "item"), W(t, "detail")], new[]
            {
                new[] { E(t["payee"]), E(s.Payee) }, new[] { E(t["amount"]), E(Money(s.Amount)) }, new[] { E(t["line"]), $"{E(s.Account)} {E(N(s.Account, s.AccountName))}" },
                new[] { E(W(t, "why")), E(s.Description) }, new[] { E(W(t, "filedAt")), E(s.FiledAt[..10]) },
                new[] { E(W(t, "attachments")), string.Join("<br>", s.Attachments.Select(a => $"<span class=\"hash\">{E(a)}</span>")) },
            }));
            b.Append($"<h2>{E(W(t, "budgetLine"))}</h2>").Append(Table([W(t, "item"), W(t, "detail")], new[]
            {
                new[] { E(W(t, "budgetLine")), $"{E(s.BudgetLine)} {E(N(s.BudgetLine, s.BudgetLineName))} · {s.FiscalYear}" },
                new[] { E(W(t, "lineBudget")), LineFigure(s, s.LineBudget, t) },
                new[] { E(W(t, "leftAtFiling")), LineFigure(s, s.LeftAtFiling, t) },
            }));
            b.Append($"<h2>{E(W(t, "decisions"))}</h2>").Append(Table([W(t, "role"), t["date"], W(t, "decision"), W(t, "comment")], s.Decisions.Select(d => new[]
            {
                E(W(t, d.Role)), E(d.DecidedAt[..10]), $"<span class=\"{(d.Decision == "approve" ? "ok" : "bad")}\">{E(W(t, d.Decision))}</span>", E(d.Comment),
            })));
            if (s.NeedsVote || s.Motions.Count > 0)
            {
                b.Append($"<h2>{E(W(t, "vote"))}</h2>");
                if (s.NeedsVote) b.Append($"<p>{E(W(t, "voteNeeded"))}</p>");
                foreach (var m in s.Motions)
                    b.Append($"<p><a href=\"/p/{E(c)}/motions/{m.Id}{lang}\">{E(m.Title)}</a> · ")
                     .Append(m.Passed is null ? E(W(t, m.Status == "closed" ? "closed" : "open")) : m.Passed == true ? $"<span class=\"ok\">{E(t["passed"])}</span>" : $"<span class=\"bad\">{E(t["failed"])}</span>")
                     .Append("</p>");
            }
            b.Append($"<h2>{E(W(t, "payment"))}</h2>");
            if (s.Payment is not { } p) b.Append($"<p class=\"muted\">{E(W(t, "notPaid"))}</p>");
            else
                b.Append(Table([W(t, "item"), W(t, "detail")], new[]
                {
                    new[] { E(W(t, "paidOn")), E(p.PaidOn) }, new[] { E(W(t, "bankRef")), E(p.BankRef ?? "—") },
                    new[] { E(W(t, "voucherHash")), p.Voucher is null ? "—" : $"<span class=\"hash\">{E(p.Voucher)}</span>" },
                    new[] { E(W(t, "entrySeq")), $"<a href=\"/p/{E(c)}/journal?after={p.Seq - 1}&amp;limit=1\">#{p.Seq}</a>" },
                    new[] { E(W(t, "entryHash")), $"<span class=\"hash\">{E(p.EntryHash)}</span>" },
                    new[] { E(t["chainHash"]), $"<span class=\"hash\">{E(p.ChainHash)}</span>" },
                }));
            return (200, Page(t, $"{community.Name} · #{s.Id}", b.ToString(), SwitchHref(http, t)));
        });
    }
}
