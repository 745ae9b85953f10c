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
        ["paid"] = "已缴", ["status"] = "状态", ["open"] = "未结清", ["paidStatus"] = "已结清", ["from"] = "从", ["to"] = "到", ["refReused"] = "这个流水号已用于另一笔不同的缴费。", ["show"] = "查看", ["downloadCsv"] = "下载 CSV",
        ["paidAt"] = "缴费日期", ["channel"] = "缴费渠道", ["externalRef"] = "银行或支付流水号", ["none"] = "暂无", ["amountYuan"] = "金额（元）",
        ["vote"] = "表决", ["decides"] = "表决事项", ["threshold"] = "通过条件", ["participation"] = "目前参与", ["opensAt"] = "开始", ["closesAt"] = "截止",
        ["yes"] = "同意", ["no"] = "反对", ["abstain"] = "弃权", ["castBallot"] = "提交选票", ["yourReceipt"] = "您的投票回执",
        ["keepReceipt"] = "请保存此回执：表决结束后可用它核对您的选票是否按所投计入，别人无法凭结果得知您的选择。", ["lastCounts"] = "截止前可以改投，以最后一次为准。",
        ["result"] = "表决结果", ["passed"] = "通过", ["failed"] = "未通过", ["quorumMet"] = "参与达到法定比例", ["quorumNotMet"] = "参与未达法定比例",
        ["checkReceipt"] = "核对回执", ["receipt"] = "回执", ["receiptFound"] = "已找到：您的选票按“{0}”计入。", ["receiptMissing"] = "结果中没有这个回执。",
        ["area"] = "面积（㎡）", ["headcount"] = "人数", ["eligible"] = "应参与", ["participating"] = "已参与", ["voters"] = "表决人", ["notStarted"] = "尚未开始",
        ["thresholdSpecial"] = "参与表决的专有部分面积和人数均需达到总数的三分之二以上；同意的面积和人数均需达到参与表决的四分之三以上。",
        ["thresholdOrdinary"] = "参与表决的专有部分面积和人数均需达到总数的三分之二以上；同意的面积和人数均需超过参与表决的一半。",
        ["budgetLines"] = "预算科目", ["account"] = "科目", ["budget"] = "预算", ["reserved"] = "已占用", ["spent"] = "已支出", ["left"] = "剩余", ["note"] = "说明",
        ["payee"] = "收款方", ["description"] = "用途说明", ["attachments"] = "附件", ["decisions"] = "审批记录", ["decision"] = "审批意见",
        ["approve"] = "同意", ["reject"] = "驳回", ["comment"] = "意见", ["submitDecision"] = "提交审批", ["openPdf"] = "打开 PDF", ["request"] = "申请",
        ["budgetLine"] = "预算科目", ["createdAt"] = "提交时间", ["expiresAt"] = "审批期限", ["voucher"] = "付款凭证", ["fiscalYear"] = "年度",
        ["pending"] = "待审批", ["approved"] = "已批准", ["rejected"] = "已驳回", ["cancelled"] = "已撤回", ["expired"] = "已过期", ["paidRequest"] = "已付款",
        ["needsVote"] = "需业主表决", ["noBudgetLine"] = "本年度没有已通过的预算。", ["submitPayment"] = "登记缴费", ["paymentRecorded"] = "已登记：{0}，账簿序号 {1}。",
        ["decisionRecorded"] = "已记录您的审批意见。", ["ballotRecorded"] = "已收到您的选票。", ["notFound"] = "未找到", ["formInvalid"] = "表单已失效", ["textRefused"] = "填写的内容有误", ["formInvalidWhy"] = "这张表单已失效（页面打开太久、已退出登录，或不是从本站页面提交的），没有做任何更改。请重新打开页面再提交。", ["formIdMissing"] = "这张表单缺少或带有无效的防重复提交编号，没有做任何更改。请重新打开页面再提交。", ["openAgain"] = "重新打开页面", ["methodNotAllowed"] = "此页面不接受这样提交", ["forbidden"] = "您的角色不能使用此页面",
        ["signedInAs"] = "已登录：", ["returnHome"] = "回到首页", ["toVote"] = "去表决", ["details"] = "查看", ["roles"] = "您的角色",
        ["owner"] = "业主", ["trustee"] = "受托人员工", ["trustee_manager"] = "受托人经理", ["supervisor"] = "监察人", ["committee"] = "业委会委员", ["community_admin"] = "社区管理员",
        ["bank"] = "银行转账", ["wechat"] = "微信", ["alipay"] = "支付宝", ["cash"] = "现金", ["publicPage"] = "公开财务页面", ["errorTitle"] = "未能完成",
        ["unknownUnitAt"] = "没有找到 {0} {1}。", ["amountFormat"] = "金额请填写元，最多两位小数，例如 161.23；千位可用逗号分隔，例如 1,234.56。", ["amountTooLarge"] = "金额不能超过 {0}。", ["amountNotPositive"] = "金额必须大于零。", ["required"] = "请填写此项。", ["oneOf"] = "只能选择{0}之一。", ["kind"] = "事项类型", ["date"] = "日期",
        ["queries"] = "质询", ["subject"] = "质询对象", ["subject_statement"] = "报表", ["subject_spendingRequest"] = "支出申请", ["subject_entry"] = "账簿分录", ["subject_ownEntry"] = "另一户的账簿分录（序号不向您显示）",
        ["subjectId"] = "编号", ["subjectIdHelp"] = "报表填期间（如 2026-10），支出申请或分录填编号。", ["question"] = "问题", ["ask"] = "提交质询", ["answer"] = "答复",
        ["sendAnswer"] = "提交答复", ["overdue"] = "已超过答复期限", ["awaitingAnswer"] = "等待受托人答复", ["queryRecorded"] = "已提交您的质询。", ["answerRecorded"] = "已公开答复。",
        ["comments"] = "业主意见", ["yourComment"] = "您的意见", ["sendComment"] = "提交意见", ["commentRecorded"] = "已收到您的意见。",
        ["budgetStatus_draft"] = "草稿", ["budgetStatus_published"] = "征求意见中", ["budgetStatus_adopted"] = "已通过", ["budgetStatus_superseded"] = "已被新版本取代",
        ["fileRequest"] = "提交支出申请", ["files"] = "附件（PDF、PNG 或 JPEG，每个不超过 10 MB）", ["budgetLineHelp"] = "不填则记入与科目相同的预算科目。",
        ["accountHelp"] = "费用科目编号，例如 6103。", ["requestFiled"] = "已提交支出申请 #{0}，等待审批。", ["payRequest"] = "登记付款", ["bankRef"] = "银行流水号",
        ["voucherFile"] = "付款凭证（PDF、PNG 或 JPEG）", ["spendingPaidAt"] = "付款日期", ["requestPaid"] = "已登记付款，账簿序号 {0}。", ["fileTooLarge"] = "每个附件不超过 10 MB。", ["formTooLarge"] = "表单连同附件超过 {0} MB，没有做任何更改。请减少或压缩附件后重新提交。", ["tooManyFiles"] = "最多 20 个附件。",
        ["statements"] = "财务报表签核", ["statementStatus_draft"] = "草稿（签核中）", ["statementStatus_published"] = "已公布", ["signOffUntil"] = "签核截止",
        ["remarks"] = "监察人意见", ["remarkText"] = "您的意见", ["addRemark"] = "写入报表", ["remarkRecorded"] = "意见已写入 {0} 报表草稿。", ["publish"] = "公布报表",
        ["statementPublishedNotice"] = "{0} 报表已公布。", ["period"] = "期间", ["version"] = "版本", ["bankOpening"] = "期初银行存款", ["bankReceipts"] = "收入", ["bankPayments"] = "支出",
        ["bankClosing"] = "期末银行存款", ["hash"] = "哈希", ["correction"] = "更正原因", ["statementKind_month"] = "月报", ["statementKind_quarter"] = "季报", ["statementKind_year"] = "年报",
        ["newMotion"] = "发起表决", ["motionSubject"] = "表决对象编号", ["motionSubjectHelp"] = "预算表决填预算编号，支出表决填支出申请编号；其他事项不填。", ["title"] = "标题", ["body"] = "内容",
        ["noticeHelp"] = "表决须提前公告（默认至少15天）：开始时间不能早于公告期满。时间按小区所在时区。", ["motionCreated"] = "已发起表决，公告期满后开始投票。", ["motions"] = "表决",
        ["dateTimeFormat"] = "请填写日期和时间，例如 2026-12-08T09:00。",
        ["rate"] = "评价答复", ["satisfied"] = "满意", ["unsatisfied"] = "不满意", ["ratingComment"] = "说明（不满意时必填）", ["sendRating"] = "提交评价", ["ratingRecorded"] = "已收到您的评价。",
        ["yourRating"] = "评价", ["finding"] = "监察人结论", ["upheld"] = "质询成立", ["notUpheld"] = "质询不成立", ["sendFinding"] = "提交结论", ["findingRecorded"] = "已记录结论，质询关闭。",
        ["escalated"] = "已转监察人", ["escalatedBecause_unsatisfied"] = "业主不满意答复", ["escalatedBecause_late"] = "未按期答复", ["closedQuery"] = "已关闭", ["awaitingFinding"] = "待监察人结论",
    });

    public static readonly PortalTexts En = new("en", new Dictionary<string, string>
    {
        ["site"] = "Trust-model property · Owners' portal", ["langSwitch"] = "中文", ["signIn"] = "Sign in", ["signOut"] = "Sign out", ["activate"] = "Activate an owner's account",
        ["login"] = "Login", ["password"] = "Password", ["invitationCode"] = "Invitation code", ["activateHelp"] = "Enter the invitation code your committee gave you, and choose a login and a password of at least 10 characters.",
        ["noAccount"] = "First time here? Activate with your invitation code", ["haveAccount"] = "Have an account? Sign in", ["myCommunities"] = "My communities", ["noCommunities"] = "You are not a member of any community yet.",
        ["home"] = "Home", ["myUnits"] = "My units", ["openVotes"] = "Open votes", ["closedVotes"] = "Closed votes", ["budgets"] = "Budgets", ["spending"] = "Spending requests",
        ["pendingFirst"] = "Pending first", ["recordPayment"] = "Record a fee payment", ["unit"] = "Unit", ["building"] = "Building", ["number"] = "Number",
        ["bills"] = "Bills", ["payments"] = "Payments", ["prepayment"] = "Paid in advance", ["balanceDue"] = "Balance due", ["month"] = "Month", ["amount"] = "Amount",
        ["paid"] = "Paid", ["status"] = "Status", ["open"] = "Open", ["paidStatus"] = "Paid", ["from"] = "From", ["to"] = "To", ["refReused"] = "This reference was already used for a different payment.", ["show"] = "Show", ["downloadCsv"] = "Download CSV",
        ["paidAt"] = "Paid on", ["channel"] = "Channel", ["externalRef"] = "Bank or payment reference", ["none"] = "None yet", ["amountYuan"] = "Amount (yuan)",
        ["vote"] = "Vote", ["decides"] = "What it decides", ["threshold"] = "To pass", ["participation"] = "Taken part so far", ["opensAt"] = "Opens", ["closesAt"] = "Closes",
        ["yes"] = "Yes", ["no"] = "No", ["abstain"] = "Abstain", ["castBallot"] = "Cast my ballot", ["yourReceipt"] = "Your ballot receipt",
        ["keepReceipt"] = "Keep this receipt: after the close it lets you check that your ballot was counted as cast, and nobody can tell your choice from the result.", ["lastCounts"] = "You may vote again before the close; the last ballot counts.",
        ["result"] = "Result", ["passed"] = "Passed", ["failed"] = "Not passed", ["quorumMet"] = "Quorum met", ["quorumNotMet"] = "Quorum not met",
        ["checkReceipt"] = "Check a receipt", ["receipt"] = "Receipt", ["receiptFound"] = "Found: your ballot was counted as “{0}”.", ["receiptMissing"] = "This receipt is not in the result.",
        ["area"] = "Area (m²)", ["headcount"] = "Headcount", ["eligible"] = "Eligible", ["participating"] = "Took part", ["voters"] = "Voters", ["notStarted"] = "Not started yet",
        ["thresholdSpecial"] = "Owners holding at least two thirds of the area and two thirds of the headcount must take part; yes needs at least three quarters of the participating area and headcount.",
        ["thresholdOrdinary"] = "Owners holding at least two thirds of the area and two thirds of the headcount must take part; yes needs more than half of the participating area and headcount.",
        ["budgetLines"] = "Budget lines", ["account"] = "Account", ["budget"] = "Budget", ["reserved"] = "Reserved", ["spent"] = "Spent", ["left"] = "Left", ["note"] = "Note",
        ["payee"] = "Payee", ["description"] = "Description", ["attachments"] = "Attachments", ["decisions"] = "Decisions", ["decision"] = "Decision",
        ["approve"] = "Approve", ["reject"] = "Reject", ["comment"] = "Comment", ["submitDecision"] = "Submit decision", ["openPdf"] = "Open PDF", ["request"] = "Request",
        ["budgetLine"] = "Budget line", ["createdAt"] = "Filed", ["expiresAt"] = "Decide by", ["voucher"] = "Voucher", ["fiscalYear"] = "Year",
        ["pending"] = "Pending", ["approved"] = "Approved", ["rejected"] = "Rejected", ["cancelled"] = "Cancelled", ["expired"] = "Expired", ["paidRequest"] = "Paid",
        ["needsVote"] = "Needs an owners' vote", ["noBudgetLine"] = "No adopted budget for this year.", ["submitPayment"] = "Record payment", ["paymentRecorded"] = "Recorded: {0}, journal sequence {1}.",
        ["decisionRecorded"] = "Your decision is recorded.", ["ballotRecorded"] = "Your ballot is in.", ["notFound"] = "Not found", ["formInvalid"] = "This form is no longer valid", ["textRefused"] = "Something in the form cannot be accepted", ["formInvalidWhy"] = "This form is no longer valid (open too long, signed out since, or not sent from this site's page); nothing was changed. Open the page again and resend it.", ["formIdMissing"] = "This form came without a valid key against sending it twice; nothing was changed. Open the page again and resend it.", ["openAgain"] = "Open the page again", ["methodNotAllowed"] = "This page takes no such form", ["forbidden"] = "Your roles do not open this page",
        ["signedInAs"] = "Signed in as ", ["returnHome"] = "Back to the start", ["toVote"] = "Vote", ["details"] = "Open", ["roles"] = "Your roles",
        ["owner"] = "Owner", ["trustee"] = "Trustee staff", ["trustee_manager"] = "Trustee manager", ["supervisor"] = "Supervisor", ["committee"] = "Committee", ["community_admin"] = "Community admin",
        ["bank"] = "Bank transfer", ["wechat"] = "WeChat", ["alipay"] = "Alipay", ["cash"] = "Cash", ["publicPage"] = "Public accounts page", ["errorTitle"] = "Not done",
        ["unknownUnitAt"] = "There is no unit {0} {1}.", ["amountFormat"] = "Type the amount in yuan with at most two decimals, e.g. 161.23; commas may separate thousands, e.g. 1,234.56.", ["amountTooLarge"] = "The amount cannot exceed {0}.", ["amountNotPositive"] = "The amount must be more than zero.", ["required"] = "Please fill this in.", ["oneOf"] = "Choose one of {0}.", ["kind"] = "Kind", ["date"] = "Date",
        ["queries"] = "Queries", ["subject"] = "About", ["subject_statement"] = "Statement", ["subject_spendingRequest"] = "Spending request", ["subject_entry"] = "Journal entry", ["subject_ownEntry"] = "Another household's journal entry (its number is not shown to you)",
        ["subjectId"] = "Which one", ["subjectIdHelp"] = "A statement's period (e.g. 2026-10), or a request's or entry's number.", ["question"] = "Question", ["ask"] = "Ask",
        ["answer"] = "Answer", ["sendAnswer"] = "Answer in public", ["overdue"] = "Past its answer deadline", ["awaitingAnswer"] = "Waiting for the trustee's answer",
        ["queryRecorded"] = "Your query is in.", ["answerRecorded"] = "Answered in public.",
        ["comments"] = "Owners' comments", ["yourComment"] = "Your comment", ["sendComment"] = "Send comment", ["commentRecorded"] = "Your comment is in.",
        ["budgetStatus_draft"] = "Draft", ["budgetStatus_published"] = "Open for comment", ["budgetStatus_adopted"] = "Adopted", ["budgetStatus_superseded"] = "Superseded",
        ["fileRequest"] = "File a spending request", ["files"] = "Files (PDF, PNG or JPEG, at most 10 MB each)", ["budgetLineHelp"] = "Leave empty to charge the budget line of the same account.",
        ["accountHelp"] = "An expense account code, e.g. 6103.", ["requestFiled"] = "Request #{0} is filed and waits for approval.", ["payRequest"] = "Record the payment", ["bankRef"] = "Bank reference",
        ["voucherFile"] = "Voucher (PDF, PNG or JPEG)", ["spendingPaidAt"] = "Paid on", ["requestPaid"] = "Paid: journal entry {0}.", ["fileTooLarge"] = "Attachments are at most 10 MB each.", ["formTooLarge"] = "The form with its files is over {0} MB; nothing was changed. Send fewer or smaller files.", ["tooManyFiles"] = "At most 20 attachments.",
        ["statements"] = "Statements to sign off", ["statementStatus_draft"] = "Draft (in sign-off)", ["statementStatus_published"] = "Published", ["signOffUntil"] = "Sign-off until",
        ["remarks"] = "Supervisor's remarks", ["remarkText"] = "Your remark", ["addRemark"] = "Add to the statement", ["remarkRecorded"] = "Your remark is in the {0} draft.", ["publish"] = "Publish the statement",
        ["statementPublishedNotice"] = "The {0} statement is published.", ["period"] = "Period", ["version"] = "Version", ["bankOpening"] = "Bank, opening", ["bankReceipts"] = "Receipts", ["bankPayments"] = "Payments",
        ["bankClosing"] = "Bank, closing", ["hash"] = "Hash", ["correction"] = "Corrected because", ["statementKind_month"] = "Month", ["statementKind_quarter"] = "Quarter", ["statementKind_year"] = "Year",
        ["newMotion"] = "Open a vote", ["motionSubject"] = "Subject number", ["motionSubjectHelp"] = "A budget vote names the budget's number, a spending vote the request's; leave empty otherwise.", ["title"] = "Title", ["body"] = "Text",
        ["noticeHelp"] = "A vote is announced ahead (at least 15 days by default): it cannot open before the notice period ends. Times are in the community's time zone.", ["motionCreated"] = "The vote is announced; ballots open after the notice period.", ["motions"] = "Votes",
        ["dateTimeFormat"] = "Type a date and time, e.g. 2026-12-08T09:00.",
        ["rate"] = "Rate the answer", ["satisfied"] = "Satisfied", ["unsatisfied"] = "Not satisfied", ["ratingComment"] = "Comment (required if not satisfied)", ["sendRating"] = "Send rating", ["ratingRecorded"] = "Your rating is in.",
        ["yourRating"] = "Rating", ["finding"] = "Supervisor's finding", ["upheld"] = "Query upheld", ["notUpheld"] = "Query not upheld", ["sendFinding"] = "Record finding", ["findingRecorded"] = "Finding recorded; the query is closed.",
        ["escalated"] = "Sent to the supervisor", ["escalatedBecause_unsatisfied"] = "the owner was not satisfied", ["escalatedBecause_late"] = "not answered in time", ["closedQuery"] = "Closed", ["awaitingFinding"] = "Waits for the supervisor's finding",
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
        [Codes.IdempotencyKeyReused] = "这张表单已经提交过，内容与这次不同；请重新打开页面再填写。",
        [Codes.ExternalRefUsed] = "这个流水号已登记过另一笔款项，请核对流水号。",
        [Codes.UnknownUnit] = "没有这个房屋。",
        [Codes.Forbidden] = "您的角色不能进行此操作。",
        [Codes.ValidationFailed] = "填写的内容有误，请检查。",
        [Codes.BudgetNotPublished] = "这份预算未在公开征求意见。",
        [Codes.UnknownSubject] = "没有找到要质询的对象，请检查编号。",
        [Codes.AlreadyAnswered] = "这条质询已经答复过了。",
        [Codes.NotTheAsker] = "只有提出质询的业主可以评价答复。",
        [Codes.InquiryNotAnswered] = "这条质询还没有答复，暂不能评价。",
        [Codes.AlreadyRated] = "这条答复已经评价过了。",
        [Codes.InquiryClosed] = "这条质询已由监察人作出结论并关闭。",
        [Codes.InquiryNotEscalated] = "只有已转监察人或已超期的质询可以作出结论。",
        [Codes.StatementPublished] = "这份报表已公布；意见须在签核期内提出。",
        [Codes.EarlierStatementUnpublished] = "请先公布上一期报表：每期报表都写明上一期的哈希。",
        [DecisionCodes.NoticeTooShort] = "公告期不足：表决开始时间须在公告期满之后（默认15天），请把开始时间往后推。",
        [DecisionCodes.BudgetVotePending] = "这一年度已有一项预算表决在公告或投票中：同一年度一次只能表决一份预算，请等它结束后再发起。",
        [DecisionCodes.RegisterIncomplete] = "业主名册不完整：有已交付的房屋尚未登记业主，暂不能发起表决。已交付的房屋属于买受人，不能算作建设单位的一票；请先登记这些房屋的业主。",
        [Codes.SubjectInvalid] = "表决对象无效：预算表决须指明一份正在征求意见的预算，支出表决须指明一项需业主表决的支出申请。",
        [Codes.NotApproved] = "这项申请尚未获批准，不能付款。",
        [Codes.AlreadyPaid] = "这项申请已经付过款了。",
        [Codes.PaidBeforeApproval] = "付款日期不能早于这项申请最终获批准的日期。",
        [Codes.UnknownAttachment] = "附件未上传到本小区。",
        [Codes.PayloadTooLarge] = "每个附件不超过 10 MB。",
        ["unsupported_media_type"] = "附件只能是 PDF、PNG 或 JPEG 文件。",
        [Codes.InsufficientFunds] = "银行存款不足以支付这笔款项。",
        [Codes.UnknownAccount] = "没有这个科目，请检查科目编号。",
        [Codes.AccountKindMismatch] = "这个科目不是公共资金的费用科目。",
        [Codes.ExceedsPayable] = "金额超过尚未支付的应付酬金。",
        [Codes.TrustTermsRequired] = "请先设定信托合同条款。",
        [Codes.TrusteeCannotApprove] = "担任受托人角色的人不能审批支出申请、签署银行对账、对质询作出结论，也不能以监察人身份对报表提出意见。",
    };

    /// <summary>The few refusals whose API sentence speaks of the API (a header, a field name) rather than the form.</summary>
    private static readonly Dictionary<string, string> EnFailures = new()
    {
        [Codes.IdempotencyKeyReused] = "This form was already sent with different contents; open the page again to fill in a new one.",
        [Codes.ExternalRefUsed] = "This reference is already recorded for another amount; check the reference.",
    };

    private readonly Dictionary<string, string> _words;

    private PortalTexts(string lang, Dictionary<string, string> words) { Lang = lang; _words = words; }

    public string Lang { get; }
    public bool IsEnglish => Lang == "en";
    public string this[string key] => _words.TryGetValue(key, out var w) ? w : key;

    public string Format(string key, params object[] args) => string.Format(System.Globalization.CultureInfo.InvariantCulture, this[key], args);

    /// <summary>A failure as a sentence in the page's language, with its stable code kept beside it.</summary>
    public string Sentence(Failure failure) =>
        (IsEnglish ? EnFailures : ZhFailures).TryGetValue(failure.Code, out var sentence) ? sentence : failure.Detail;

    /// <summary>
    /// The label a form shows for a field the API names otherwise (<c>choice</c> is the ballot's "vote", <c>text</c> a
    /// comment); a page whose form labels a field differently passes its own <paramref name="labels"/> first.
    /// </summary>
    private static readonly Dictionary<string, string> LabelKeys = new()
    {
        ["choice"] = "vote", ["text"] = "yourComment", ["amount"] = "amountYuan", ["satisfied"] = "rate", ["upheld"] = "finding",
        ["voucher"] = "voucherFile", ["unitId"] = "unit", ["files"] = "attachments",
    };

    /// <summary>
    /// A field's label in the page's language, found by the field's name as a form or validator names it
    /// (<c>attachments[0]</c> is <c>attachments</c>); null for a field with no label, so no internal name reaches a sentence.
    /// </summary>
    public string? Label(string field, IReadOnlyDictionary<string, string>? labels = null)
    {
        var name = field.IndexOf('[') is var bracket and > 0 ? field[..bracket] : field;
        var key = labels?.GetValueOrDefault(name) ?? LabelKeys.GetValueOrDefault(name, name);
        return _words.TryGetValue(key, out var label) ? label : null;
    }

    /// <summary>
    /// A validator's refusal of one field as a sentence: in Chinese the field's label and the general
    /// sentence (the validators speak English), in English the field's label and the validator's words.
    /// A field without a label (<see cref="Label"/>) is left unnamed.
    /// </summary>
    public string FieldSentence(string? label, string validatorMessage) =>
        IsEnglish ? About(Labels(label), validatorMessage)
        : ZhReasons.TryGetValue(validatorMessage, out var reason) ? About(Labels(label), reason)
        : label is null ? ZhFailures[Codes.ValidationFailed]
        : $"“{label}”{ZhFailures[Codes.ValidationFailed]}";

    /// <summary>A field refused for a reason the page words itself (<paramref name="reasonKey"/>), named by its label as <see cref="FieldSentence"/> names it.</summary>
    public string Field(string labelKey, string reasonKey) => About([this[labelKey]], this[reasonKey]);

    /// <summary>A field left empty, named by its label.</summary>
    public string Missing(string? label) => About(Labels(label), this["required"]);

    /// <summary>A value outside the options a form offers: the field and the options, by their labels.</summary>
    public string OneOf(string field, IEnumerable<string> options) =>
        About(Labels(Label(field)), Format("oneOf", string.Join(IsEnglish ? ", " : "、", options.Select(o => this[o]))));

    /// <summary>Fields left empty, named by their labels in the page's language, in the same form as <see cref="FieldSentence"/>.</summary>
    public string Required(params string[] fields) => About([.. fields.Select(f => this[f])], this["required"]);

    private static string[] Labels(string? label) => label is null ? [] : [label];

    /// <summary>One sentence about fields: their labels (quoted in Chinese) and the reason; with no label, the reason alone.</summary>
    private string About(IReadOnlyCollection<string> labels, string reason) =>
        labels.Count == 0 ? reason
        : IsEnglish ? $"{string.Join(", ", labels)}: {reason}"
        : $"{string.Join("、", labels.Select(l => $"“{l}”"))}：{reason}";

    /// <summary>Why a password or a login is refused (<see cref="PasswordPolicy"/>, the login rule), in Chinese: a person choosing one needs the reason.</summary>
    private static readonly Dictionary<string, string> ZhReasons = new()
    {
        [$"At least {PasswordPolicy.MinLength} characters."] = $"至少{PasswordPolicy.MinLength}个字符。",
        ["Too repetitive: use more different characters."] = "重复太多，请使用更多不同的字符。",
        ["Too repetitive: a short pattern repeated."] = "只是一小段字符的重复，容易被猜到。",
        ["A sequence along the keyboard, the alphabet or the digits is easy to guess."] = "键盘、字母或数字的连续序列容易被猜到。",
        ["Digits only (a date, a phone number) are easy to guess; add letters."] = "纯数字（日期、电话号码）容易被猜到，请加入字母。",
        ["3-64 of a-z, 0-9, '.', '_', '@', '-'."] = "请用3到64个小写字母、数字或 . _ @ - 符号。",
        ["This is one of the most common passwords; choose another."] = "这是最常见的密码之一，请换一个。",
        ["A date as YYYY-MM-DD."] = "请填写一个有效日期（年-月-日）。",
        ["Line breaks and tabs are not allowed here."] = "这一栏不能换行或使用制表符。",
        ["Control characters, bidirectional controls and (outside multi-line text) line breaks are not allowed."] = "不能包含控制字符或文字方向控制符。",
        ["On or after 'from'."] = "不能早于开始日期。",
        ["yes, no or abstain."] = "请选择同意、反对或弃权。",
        ["approve or reject."] = "请选择同意或驳回。",
        ["Say why the request is rejected."] = "驳回时请写明理由。",
    };

    /// <summary>
    /// The language of this request: an explicit <c>?lang=</c> wins and replaces the remembered choice (so a link with
    /// <c>?lang=zh-CN</c> takes back someone who once chose English); otherwise the cookie; otherwise Chinese.
    /// </summary>
    public static PortalTexts For(HttpContext http)
    {
        if (Asked(http.Request.Query["lang"].ToString()) is { } asked)
        {
            http.Response.Cookies.Append(LangCookie, asked.IsEnglish ? "en" : "zh", new CookieOptions { Path = "/app", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, MaxAge = TimeSpan.FromDays(365) });
            return asked;
        }
        return http.Request.Cookies[LangCookie] == "en" ? En : Zh;
    }

    /// <summary>A language tag as links write it, by its primary subtag in any case: <c>en</c>, <c>en-GB</c>; <c>zh</c>, <c>zh-CN</c>, <c>zh-Hans</c>.</summary>
    private static PortalTexts? Asked(string tag) => Public.Texts.Asked(tag) switch
    {
        "en" => En,
        "zh" => Zh,
        _ => null,
    };
}
