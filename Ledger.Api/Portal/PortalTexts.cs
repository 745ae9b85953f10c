using Ledger.Domain.Model;

namespace Ledger.Api.Portal;

/// <summary>The portal's words: Simplified Chinese by default, English when chosen (the choice sticks in a cookie).</summary>
public sealed class PortalTexts
{
    public const string LangCookie = "ledger_lang";

    public static readonly PortalTexts Zh = new("zh-CN", new Dictionary<string, string>
    {
        ["site"] = "信托制物业 · 业主服务", ["langSwitch"] = "English", ["signIn"] = "登录", ["signOut"] = "退出登录", ["activate"] = "激活业主账号",
        ["login"] = "登录名", ["password"] = "密码", ["invitationCode"] = "邀请码", ["activateHelp"] = "请输入居委会或业委会给您的邀请码，并设置登录名和至少10位的密码。",
        ["noAccount"] = "第一次使用？用邀请码激活账号", ["haveAccount"] = "已有账号？登录", ["myCommunities"] = "我的小区", ["noCommunities"] = "您还没有加入任何小区。",
        ["home"] = "首页", ["myUnits"] = "我的房屋", ["openVotes"] = "正在进行的表决", ["closedVotes"] = "已结束的表决", ["budgets"] = "预算", ["spending"] = "支出申请",
        ["pendingFirst"] = "待审批的排在前面", ["recordPayment"] = "登记物业费缴费", ["unit"] = "房屋", ["building"] = "楼栋", ["number"] = "房号",
        ["bills"] = "账单", ["payments"] = "缴费记录", ["prepayment"] = "预缴余额", ["balanceDue"] = "应缴余额", ["month"] = "月份", ["amount"] = "金额",
        ["paid"] = "已缴", ["status"] = "状态", ["open"] = "未结清", ["paidStatus"] = "已结清", ["from"] = "从", ["to"] = "到", ["show"] = "查看", ["downloadCsv"] = "下载 CSV",
        ["paidAt"] = "缴费日期", ["channel"] = "缴费渠道", ["externalRef"] = "银行或支付流水号", ["none"] = "暂无", ["amountYuan"] = "金额（元）",
        ["vote"] = "表决", ["decides"] = "表决事项", ["threshold"] = "通过条件", ["participation"] = "目前参与", ["opensAt"] = "开始", ["closesAt"] = "截止",
        ["yes"] = "同意", ["no"] = "反对", ["abstain"] = "弃权", ["castBallot"] = "提交选票", ["yourReceipt"] = "您的投票回执",
        ["keepReceipt"] = "请保存此回执：表决结束后可用它核对您的选票是否按所投计入，别人无法凭结果得知您的选择。", ["lastCounts"] = "截止前可以改投，以最后一次为准。",
        ["result"] = "表决结果", ["passed"] = "通过", ["failed"] = "未通过", ["quorumMet"] = "参与达到法定比例", ["quorumNotMet"] = "参与未达法定比例",
        ["checkReceipt"] = "核对回执", ["receipt"] = "回执", ["receiptFound"] = "已找到：您的选票按“{0}”计入。", ["receiptMissing"] = "结果中没有这个回执。",
        ["area"] = "面积（㎡）", ["headcount"] = "人数", ["eligible"] = "应参与", ["participating"] = "已参与", ["notStarted"] = "尚未开始",
        ["thresholdSpecial"] = "参与表决的专有部分面积和人数均需达到总数的三分之二以上；同意的面积和人数均需达到参与表决的四分之三以上。",
        ["thresholdOrdinary"] = "参与表决的专有部分面积和人数均需达到总数的三分之二以上；同意的面积和人数均需超过参与表决的一半。",
        ["budgetLines"] = "预算科目", ["account"] = "科目", ["budget"] = "预算", ["reserved"] = "已占用", ["spent"] = "已支出", ["left"] = "剩余", ["note"] = "说明",
        ["payee"] = "收款方", ["description"] = "用途说明", ["attachments"] = "附件", ["decisions"] = "审批记录", ["decision"] = "审批意见",
        ["approve"] = "同意", ["reject"] = "驳回", ["comment"] = "意见", ["submitDecision"] = "提交审批", ["openPdf"] = "打开 PDF", ["request"] = "申请",
        ["budgetLine"] = "预算科目", ["createdAt"] = "提交时间", ["expiresAt"] = "审批期限", ["voucher"] = "付款凭证", ["fiscalYear"] = "年度",
        ["pending"] = "待审批", ["approved"] = "已批准", ["rejected"] = "已驳回", ["cancelled"] = "已撤回", ["expired"] = "已过期", ["paidRequest"] = "已付款",
        ["needsVote"] = "需业主表决", ["noBudgetLine"] = "本年度没有已通过的预算。", ["submitPayment"] = "登记缴费", ["paymentRecorded"] = "已登记：{0} 元，账簿序号 {1}。",
        ["decisionRecorded"] = "已记录您的审批意见。", ["ballotRecorded"] = "已收到您的选票。", ["notFound"] = "未找到", ["forbidden"] = "您的角色不能使用此页面",
        ["signedInAs"] = "已登录：", ["returnHome"] = "回到首页", ["toVote"] = "去表决", ["details"] = "查看", ["roles"] = "您的角色",
        ["owner"] = "业主", ["trustee"] = "受托人员工", ["trustee_manager"] = "受托人经理", ["supervisor"] = "监察人", ["committee"] = "业委会委员", ["community_admin"] = "社区管理员",
        ["bank"] = "银行转账", ["wechat"] = "微信", ["alipay"] = "支付宝", ["cash"] = "现金", ["publicPage"] = "公开财务页面", ["errorTitle"] = "未能完成",
        ["unknownUnitAt"] = "没有找到 {0} {1}。", ["amountFormat"] = "金额请填写元，最多两位小数，例如 161.23。", ["required"] = "请填写此项。", ["kind"] = "事项类型", ["date"] = "日期",
        ["queries"] = "质询", ["subject"] = "质询对象", ["subject_statement"] = "报表", ["subject_spendingRequest"] = "支出申请", ["subject_entry"] = "账簿分录",
        ["subjectId"] = "编号", ["subjectIdHelp"] = "报表填期间（如 2026-10），支出申请或分录填编号。", ["question"] = "问题", ["ask"] = "提交质询", ["answer"] = "答复",
        ["sendAnswer"] = "提交答复", ["overdue"] = "已超过答复期限", ["awaitingAnswer"] = "等待受托人答复", ["queryRecorded"] = "已提交您的质询。", ["answerRecorded"] = "已公开答复。",
        ["comments"] = "业主意见", ["yourComment"] = "您的意见", ["sendComment"] = "提交意见", ["commentRecorded"] = "已收到您的意见。",
        ["budgetStatus_draft"] = "草稿", ["budgetStatus_published"] = "征求意见中", ["budgetStatus_adopted"] = "已通过", ["budgetStatus_superseded"] = "已被新版本取代",
    });

    public static readonly PortalTexts En = new("en", new Dictionary<string, string>
    {
        ["site"] = "Trust-model property · Owners' portal", ["langSwitch"] = "中文", ["signIn"] = "Sign in", ["signOut"] = "Sign out", ["activate"] = "Activate an owner's account",
        ["login"] = "Login", ["password"] = "Password", ["invitationCode"] = "Invitation code", ["activateHelp"] = "Enter the invitation code your committee gave you, and choose a login and a password of at least 10 characters.",
        ["noAccount"] = "First time here? Activate with your invitation code", ["haveAccount"] = "Have an account? Sign in", ["myCommunities"] = "My communities", ["noCommunities"] = "You are not a member of any community yet.",
        ["home"] = "Home", ["myUnits"] = "My units", ["openVotes"] = "Open votes", ["closedVotes"] = "Closed votes", ["budgets"] = "Budgets", ["spending"] = "Spending requests",
        ["pendingFirst"] = "Pending first", ["recordPayment"] = "Record a fee payment", ["unit"] = "Unit", ["building"] = "Building", ["number"] = "Number",
        ["bills"] = "Bills", ["payments"] = "Payments", ["prepayment"] = "Paid in advance", ["balanceDue"] = "Balance due", ["month"] = "Month", ["amount"] = "Amount",
        ["paid"] = "Paid", ["status"] = "Status", ["open"] = "Open", ["paidStatus"] = "Paid", ["from"] = "From", ["to"] = "To", ["show"] = "Show", ["downloadCsv"] = "Download CSV",
        ["paidAt"] = "Paid on", ["channel"] = "Channel", ["externalRef"] = "Bank or payment reference", ["none"] = "None yet", ["amountYuan"] = "Amount (yuan)",
        ["vote"] = "Vote", ["decides"] = "What it decides", ["threshold"] = "To pass", ["participation"] = "Taken part so far", ["opensAt"] = "Opens", ["closesAt"] = "Closes",
        ["yes"] = "Yes", ["no"] = "No", ["abstain"] = "Abstain", ["castBallot"] = "Cast my ballot", ["yourReceipt"] = "Your ballot receipt",
        ["keepReceipt"] = "Keep this receipt: after the close it lets you check that your ballot was counted as cast, and nobody can tell your choice from the result.", ["lastCounts"] = "You may vote again before the close; the last ballot counts.",
        ["result"] = "Result", ["passed"] = "Passed", ["failed"] = "Not passed", ["quorumMet"] = "Quorum met", ["quorumNotMet"] = "Quorum not met",
        ["checkReceipt"] = "Check a receipt", ["receipt"] = "Receipt", ["receiptFound"] = "Found: your ballot was counted as “{0}”.", ["receiptMissing"] = "This receipt is not in the result.",
        ["area"] = "Area (m²)", ["headcount"] = "Headcount", ["eligible"] = "Eligible", ["participating"] = "Took part", ["notStarted"] = "Not started yet",
        ["thresholdSpecial"] = "Owners holding at least two thirds of the area and two thirds of the headcount must take part; yes needs at least three quarters of the participating area and headcount.",
        ["thresholdOrdinary"] = "Owners holding at least two thirds of the area and two thirds of the headcount must take part; yes needs more than half of the participating area and headcount.",
        ["budgetLines"] = "Budget lines", ["account"] = "Account", ["budget"] = "Budget", ["reserved"] = "Reserved", ["spent"] = "Spent", ["left"] = "Left", ["note"] = "Note",
        ["payee"] = "Payee", ["description"] = "Description", ["attachments"] = "Attachments", ["decisions"] = "Decisions", ["decision"] = "Decision",
        ["approve"] = "Approve", ["reject"] = "Reject", ["comment"] = "Comment", ["submitDecision"] = "Submit decision", ["openPdf"] = "Open PDF", ["request"] = "Request",
        ["budgetLine"] = "Budget line", ["createdAt"] = "Filed", ["expiresAt"] = "Decide by", ["voucher"] = "Voucher", ["fiscalYear"] = "Year",
        ["pending"] = "Pending", ["approved"] = "Approved", ["rejected"] = "Rejected", ["cancelled"] = "Cancelled", ["expired"] = "Expired", ["paidRequest"] = "Paid",
        ["needsVote"] = "Needs an owners' vote", ["noBudgetLine"] = "No adopted budget for this year.", ["submitPayment"] = "Record payment", ["paymentRecorded"] = "Recorded: {0} yuan, journal sequence {1}.",
        ["decisionRecorded"] = "Your decision is recorded.", ["ballotRecorded"] = "Your ballot is in.", ["notFound"] = "Not found", ["forbidden"] = "Your roles do not open this page",
        ["signedInAs"] = "Signed in as ", ["returnHome"] = "Back to the start", ["toVote"] = "Vote", ["details"] = "Open", ["roles"] = "Your roles",
        ["owner"] = "Owner", ["trustee"] = "Trustee staff", ["trustee_manager"] = "Trustee manager", ["supervisor"] = "Supervisor", ["committee"] = "Committee", ["community_admin"] = "Community admin",
        ["bank"] = "Bank transfer", ["wechat"] = "WeChat", ["alipay"] = "Alipay", ["cash"] = "Cash", ["publicPage"] = "Public accounts page", ["errorTitle"] = "Not done",
        ["unknownUnitAt"] = "There is no unit {0} {1}.", ["amountFormat"] = "Type the amount in yuan with at most two decimals, e.g. 161.23.", ["required"] = "Please fill this in.", ["kind"] = "Kind", ["date"] = "Date",
        ["queries"] = "Queries", ["subject"] = "About", ["subject_statement"] = "Statement", ["subject_spendingRequest"] = "Spending request", ["subject_entry"] = "Journal entry",
        ["subjectId"] = "Which one", ["subjectIdHelp"] = "A statement's period (e.g. 2026-10), or a request's or entry's number.", ["question"] = "Question", ["ask"] = "Ask",
        ["answer"] = "Answer", ["sendAnswer"] = "Answer in public", ["overdue"] = "Past its answer deadline", ["awaitingAnswer"] = "Waiting for the trustee's answer",
        ["queryRecorded"] = "Your query is in.", ["answerRecorded"] = "Answered in public.",
        ["comments"] = "Owners' comments", ["yourComment"] = "Your comment", ["sendComment"] = "Send comment", ["commentRecorded"] = "Your comment is in.",
        ["budgetStatus_draft"] = "Draft", ["budgetStatus_published"] = "Open for comment", ["budgetStatus_adopted"] = "Adopted", ["budgetStatus_superseded"] = "Superseded",
    });

    /// <summary>The API's rule codes as sentences; anything not listed shows the domain's own sentence.</summary>
    private static readonly Dictionary<string, string> ZhFailures = new()
    {
        [Codes.InvalidCredentials] = "登录名或密码不正确。",
        [Codes.TooManyRequests] = "此账号登录失败次数过多，请稍后再试。",
        [Codes.InvitationInvalid] = "邀请码无效、已使用或已过期。",
        [Codes.LoginTaken] = "这个登录名已被使用，请换一个。",
        [Codes.MotionNotOpen] = "这项表决当前不在投票期内。",
        [Codes.NotAVoter] = "您不在这项表决的投票人名册中。",
        [Codes.SelfApproval] = "不能审批自己提交的申请。",
        [Codes.AlreadyDecided] = "您已经审批过这项申请。",
        [Codes.RequestNotPending] = "这项申请已不在待审批状态。",
        [Codes.MonthClosed] = "该月份已结账，不能再登记。",
        [Codes.MonthNotOpen] = "该日期所在月份尚未开账。",
        [Codes.AmountNotPositive] = "金额必须大于零。",
        [Codes.IdempotencyKeyReused] = "这个流水号已用于另一笔不同的缴费。",
        [Codes.UnknownUnit] = "没有这个房屋。",
        [Codes.Forbidden] = "您的角色不能进行此操作。",
        [Codes.ValidationFailed] = "填写的内容有误，请检查。",
        [Codes.BudgetNotPublished] = "这份预算未在公开征求意见。",
        [Codes.UnknownSubject] = "没有找到要质询的对象，请检查编号。",
        [Codes.AlreadyAnswered] = "这条质询已经答复过了。",
    };

    private readonly Dictionary<string, string> _words;

    private PortalTexts(string lang, Dictionary<string, string> words) { Lang = lang; _words = words; }

    public string Lang { get; }
    public bool IsEnglish => Lang == "en";
    public string this[string key] => _words.TryGetValue(key, out var w) ? w : key;

    public string Format(string key, params object[] args) => string.Format(System.Globalization.CultureInfo.InvariantCulture, this[key], args);

    /// <summary>A failure as a sentence in the page's language, with its stable code kept beside it.</summary>
    public string Sentence(Failure failure) =>
        !IsEnglish && ZhFailures.TryGetValue(failure.Code, out var zh) ? zh : failure.Detail;

    public static PortalTexts For(HttpContext http)
    {
        var asked = http.Request.Query["lang"].ToString();
        if (asked is "en" or "zh")
        {
            http.Response.Cookies.Append(LangCookie, asked, new CookieOptions { Path = "/app", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, MaxAge = TimeSpan.FromDays(365) });
            return asked == "en" ? En : Zh;
        }
        return http.Request.Cookies[LangCookie] == "en" ? En : Zh;
    }
}
