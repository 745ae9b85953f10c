using System.Globalization;
using System.Text;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.Extensions.Caching.Memory;
using static Ledger.Api.Public.Html;

namespace Ledger.Api.Public;

/// <summary>
/// The public side of owners' decisions: proposals with their support and status (supporters are never
/// named), votes announced before they open, live participation against the quorum while a vote is open
/// (never how anyone voted), and with a result the ballots per channel and the follow-up record.
/// </summary>
public static class DecisionPages
{
    public static IEndpointRouteBuilder MapDecisionPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/p/{c}/proposals/{id:long}", ProposalPage).AllowAnonymous().WithTags("Public").ExcludeFromDescription();
        return app;
    }

    private static readonly Dictionary<string, string> Zh = new()
    {
        ["proposals"] = "业主提案", ["proposal"] = "提案", ["support"] = "联名支持", ["status"] = "状态", ["respondBy"] = "应提交表决期限",
        ["collecting"] = "征集联名中", ["qualified"] = "已达联名比例，待提交表决", ["voted"] = "已提交表决", ["overdue"] = "逾期未提交表决",
        ["upcoming"] = "已公告及进行中的表决", ["announced"] = "已公告，尚未开始", ["open"] = "表决进行中", ["opensAt"] = "开始", ["closesAt"] = "截止",
        ["area"] = "面积", ["headcount"] = "人数", ["participation"] = "参与情况（不显示任何人的选择）", ["quorumNeeded"] = "达到法定参与所需",
        ["quorumMissing"] = "距法定参与尚差", ["channels"] = "投票方式", ["channel"] = "方式", ["online"] = "网上投票", ["paper"] = "纸质表决票", ["followUps"] = "决议执行情况",
        ["planned"] = "已计划", ["in_progress"] = "实施中", ["done"] = "已完成", ["trustee"] = "受托人", ["committee"] = "业委会", ["date"] = "日期",
        ["by"] = "记录方", ["note"] = "说明", ["evidence"] = "附件哈希", ["noFollowUps"] = "尚无执行记录。", ["threshold"] = "联名达到专有部分面积 20% 且人数 20% 时，业委会须在期限内组织表决。",
        ["motion"] = "表决事项", ["ballots"] = "张", ["proposedOn"] = "提出", ["total"] = "全体",
        ["kind_budget_adoption"] = "通过年度预算", ["kind_budget_amendment"] = "调整预算", ["kind_spending"] = "大额支出", ["kind_remuneration_change"] = "调整受托人酬金",
        ["kind_trustee_appointment"] = "选聘受托人", ["kind_supervisor_appointment"] = "选聘监察人", ["kind_maintenance_fund_use"] = "使用专项维修资金",
        ["kind_maintenance_fund_raise"] = "筹集专项维修资金", ["kind_common_parts_use_change"] = "改变共有部分用途", ["kind_rebuild"] = "改建、重建建筑物", ["kind_other"] = "其他事项",
        ["threshold_ordinary"] = "参与表决面积和人数均过半数同意", ["threshold_special"] = "参与表决面积和人数均四分之三以上同意",
    };

    private static readonly Dictionary<string, string> En = new()
    {
        ["proposals"] = "Owners' proposals", ["proposal"] = "Proposal", ["support"] = "Support", ["status"] = "Status", ["respondBy"] = "Vote due by",
        ["collecting"] = "Collecting support", ["qualified"] = "Qualified, awaiting a vote", ["voted"] = "Put to a vote", ["overdue"] = "Overdue: no vote yet",
        ["upcoming"] = "Announced and open votes", ["announced"] = "Announced, not open yet", ["open"] = "Open", ["opensAt"] = "Opens", ["closesAt"] = "Closes",
        ["area"] = "Area", ["headcount"] = "Headcount", ["participation"] = "Participation (nobody's choice is shown)", ["quorumNeeded"] = "Needed for the quorum",
        ["quorumMissing"] = "Still missing", ["channels"] = "Ballots by channel", ["channel"] = "Channel", ["online"] = "Online", ["paper"] = "Paper", ["followUps"] = "Implementation",
        ["planned"] = "Planned", ["in_progress"] = "In progress", ["done"] = "Done", ["trustee"] = "Trustee", ["committee"] = "Committee", ["date"] = "Date",
        ["by"] = "By", ["note"] = "Note", ["evidence"] = "Attachment hashes", ["noFollowUps"] = "No implementation record yet.", ["threshold"] = "Once supporters hold 20% of the exclusive area and 20% of the headcount, the committee must put the topic to a vote in time.",
        ["motion"] = "Vote", ["ballots"] = "", ["proposedOn"] = "Proposed", ["total"] = "All owners",
        ["kind_budget_adoption"] = "Adopt the year's budget", ["kind_budget_amendment"] = "Amend the budget", ["kind_spending"] = "Large spending", ["kind_remuneration_change"] = "Change the trustee's remuneration",
        ["kind_trustee_appointment"] = "Appoint the trustee", ["kind_supervisor_appointment"] = "Appoint the supervisor", ["kind_maintenance_fund_use"] = "Use the maintenance fund",
        ["kind_maintenance_fund_raise"] = "Raise the maintenance fund", ["kind_common_parts_use_change"] = "Change the use of common parts", ["kind_rebuild"] = "Rebuild", ["kind_other"] = "Other",
        ["threshold_ordinary"] = "yes needs more than half of the participating area and headcount", ["threshold_special"] = "yes needs at least three quarters of the participating area and headcount",
    };

    private static string W(Texts t, string key) => (t.IsEnglish ? En : Zh).TryGetValue(key, out var w) ? w : t[key];

    /// <summary>What a motion of this kind decides, in words: the public pages' and the portal's vote form's.</summary>
    public static string KindName(bool english, string kind) => (english ? En : Zh).TryGetValue("kind_" + kind, out var w) ? w : kind;

    private static string Area(long centiM2) => (centiM2 / 100m).ToString("#,##0.00", CultureInfo.InvariantCulture);

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A share of a total in basis points, rounded down, in integers.</summary>
    private static long Bp(long part, long whole) => whole <= 0 ? 0 : part * 10_000 / whole;

    private static string SupportLine(Texts t, ProposalView p) =>
        $"{E(W(t, "area"))} {E(Rate(Bp(p.Support.Area, p.Total.Area)))} · {E(W(t, "headcount"))} {Count(p.Support.Headcount)}/{Count(p.Total.Headcount)} ({E(Rate(Bp(p.Support.Headcount, p.Total.Headcount)))})";

    private static string StatusLabel(Texts t, string status) => status switch
    {
        ProposalStatus.Qualified or ProposalStatus.Voted => $"<span class=\"ok\">{E(W(t, status))}</span>",
        ProposalStatus.Overdue => $"<span class=\"bad\">{E(W(t, status))}</span>",
        _ => E(W(t, status)),
    };

    /// <summary>What a motion decides and what it takes to pass, in the page's words (never the API's codes).</summary>
    public static string KindAndThreshold(Texts t, MotionView m) => $"{KindName(t.IsEnglish, m.Kind)} · {W(t, "threshold_" + m.Threshold)}";

    /// <summary>Where a motion stands by the clock: announced before it opens, open until it closes.</summary>
    private static string Stage(MotionView m, DateTimeOffset now)
    {
        var at = Dates.Instant(now);
        if (m.Status == "closed" || string.CompareOrdinal(at, m.ClosesAt) >= 0) return "closed";
        return string.CompareOrdinal(at, m.OpensAt) >= 0 ? "open" : "announced";
    }

    /// <summary>The proposals and the announced or open votes, for the community page.</summary>
    public static async Task<string> CommunitySectionAsync(HttpContext http, CommunityInfo community, Texts t)
    {
        var services = http.RequestServices;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var proposals = await services.GetRequiredService<ProposalBook>().ListAsync(community.Id, now);
        var upcoming = (await services.GetRequiredService<MotionBook>().ListAsync(community.Id, now)).Where(m => Stage(m, now) != "closed").ToList();
        var c = community.Slug;
        var body = new StringBuilder();
        if (upcoming.Count > 0)
        {
            body.Append($"<h2>{E(W(t, "upcoming"))}</h2>");
            body.Append(Table([W(t, "motion"), W(t, "status"), W(t, "opensAt"), W(t, "closesAt")], upcoming.OrderBy(m => m.OpensAt, StringComparer.Ordinal).Select(m => new[]
            {
                $"<a href=\"/p/{E(c)}/motions/{m.Id}{PublicEndpoints.LangQuery(t)}\">{E(m.Title)}</a>", E(W(t, Stage(m, now))), E(Local(m.OpensAt, community)), E(Local(m.ClosesAt, community)),
            })));
        }
        if (proposals.Count > 0)
        {
            body.Append($"<h2>{E(W(t, "proposals"))}</h2><p class=\"muted\">{E(W(t, "threshold"))}</p>");
            body.Append(Table([W(t, "proposal"), W(t, "support"), W(t, "status"), W(t, "respondBy")], proposals.Select(p => new[]
            {
                $"<a href=\"/p/{E(c)}/proposals/{p.Id}{PublicEndpoints.LangQuery(t)}\">{E(p.Title)}</a>", SupportLine(t, p), StatusLabel(t, p.Status),
                p.RespondBy is null ? "" : E(Local(p.RespondBy, community)[..10]),
            })));
        }
        return body.ToString();
    }

    /// <summary>An instant in the community's time zone, to the minute.</summary>
    private static string Local(string instant, CommunityInfo community) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture), community.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static async Task<IResult> ProposalPage(string c, long id, HttpContext http, CommunityBook communities, ProposalBook proposals, TimeProvider clock, IMemoryCache cache)
    {
        var t = Texts.For(http);
        return await PublicEndpoints.Serve(http, cache, PublicEndpoints.HtmlType, async () =>
        {
            var community = await communities.FindAsync(c);
            var p = community is null ? null : await proposals.FindAsync(community.Id, id, clock.GetUtcNow());
            if (community is null || p is null) return PublicEndpoints.NotFoundPage(http, t);
            var body = new StringBuilder($"<h1>{E(p.Title)}</h1><p class=\"muted\">{E(community.Name)} · {E(W(t, "proposedOn"))} {E(Local(p.CreatedAt, community)[..10])}</p>");
            body.Append($"<p>{StatusLabel(t, p.Status)}").Append(p.RespondBy is null ? "" : $" · {E(W(t, "respondBy"))} {E(Local(p.RespondBy, community)[..10])}")
                .Append(p.MotionId is { } m ? $" · <a href=\"/p/{E(c)}/motions/{m}{PublicEndpoints.LangQuery(t)}\">{E(W(t, "motion"))}</a>" : "").Append("</p>");
            body.Append($"<div class=\"remark\">{E(p.Body)}</div>");
            body.Append(Table([t["tally"], t["area"], t["headcount"]], new[]
            {
                new[] { E(W(t, "support")), Area(p.Support.Area), Count(p.Support.Headcount) },
                [E(W(t, "total")), Area(p.Total.Area), Count(p.Total.Headcount)],
            }, new HashSet<int> { 1, 2 }));
            body.Append($"<p class=\"muted\">{E(W(t, "threshold"))}</p>");
            return (200, Page(t, p.Title, body.ToString(), PublicEndpoints.SwitchHref(http, t)));
        });
    }

    /// <summary>A motion not yet tallied: announced (what and when) or open (participation against the quorum, never a score).</summary>
    public static async Task<string> PendingMotionBodyAsync(HttpContext http, CommunityInfo community, MotionView m, Texts t)
    {
        var services = http.RequestServices;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var body = new StringBuilder($"<h1>{E(m.Title)}</h1><p class=\"muted\">{E(community.Name)} · {E(KindAndThreshold(t, m))}</p>");
        body.Append($"<p><b>{E(W(t, Stage(m, now)))}</b> · {E(W(t, "opensAt"))} {E(Local(m.OpensAt, community))} · {E(W(t, "closesAt"))} {E(Local(m.ClosesAt, community))}</p>");
        body.Append($"<div class=\"remark\">{E(m.Body)}</div>");
        if (m.Status == "open" && m.Result is { } live)
        {
            var eligible = live.Totals.Eligible;
            var part = live.Totals.Participating;
            var needed = Quorum.Needed(eligible);
            var missing = Quorum.Missing(part, eligible);
            body.Append($"<h2>{E(W(t, "participation"))}</h2>").Append(Table([t["tally"], t["area"], t["headcount"]], new[]
            {
                new[] { E(t["eligible"]), Area(eligible.Area), Count(eligible.Headcount) },
                [E(t["participating"]), Area(part.Area), Count(part.Headcount)],
                [E(W(t, "quorumNeeded")), Area(needed.Area), Count(needed.Headcount)],
                [E(W(t, "quorumMissing")), Area(missing.Area), Count(missing.Headcount)],
            }, new HashSet<int> { 1, 2 }));
            body.Append(ChannelTable(t, await services.GetRequiredService<DecisionBook>().ChannelsAsync(community.Id, m.Id)));
        }
        return body.ToString();
    }

    private static string ChannelTable(Texts t, ChannelCounts channels) =>
        $"<h2>{E(W(t, "channels"))}</h2>" + Table([W(t, "channel"), t["headcount"]], new[]
        {
            new[] { E(W(t, "online")), Count(channels.Online) }, [E(W(t, "paper")), Count(channels.Paper)],
        }, new HashSet<int> { 1 });

    /// <summary>What a closed motion's page adds: ballots per channel and the implementation record.</summary>
    public static async Task<string> ClosedMotionExtrasAsync(HttpContext http, CommunityInfo community, MotionView m, Texts t)
    {
        var (channels, followUps) = await http.RequestServices.GetRequiredService<DecisionBook>().ExtrasAsync(community.Id, m.Id);
        var body = new StringBuilder(ChannelTable(t, channels));
        if (m.Result?.Passed == true)
        {
            body.Append($"<h2>{E(W(t, "followUps"))}</h2>");
            body.Append(followUps.Count == 0 ? $"<p class=\"muted\">{E(W(t, "noFollowUps"))}</p>" : Table([W(t, "date"), W(t, "by"), W(t, "status"), W(t, "note"), W(t, "evidence")],
                followUps.Select(f => new[]
                {
                    E(Local(f.CreatedAt, community)[..10]), E(W(t, f.Role)), E(W(t, f.Status)), E(f.Note),
                    string.Join(" ", f.Attachments.Select(a => $"<span class=\"hash\">{E(a)}</span>")),
                })));
        }
        return body.ToString();
    }
}
