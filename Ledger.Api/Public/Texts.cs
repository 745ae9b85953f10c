namespace Ledger.Api.Public;

/// <summary>The words of the public pages: Simplified Chinese by default, English with ?lang=en.</summary>
public sealed class Texts
{
    public static readonly Texts Zh = new("zh-CN", new Dictionary<string, string>
    {
        ["site"] = "信托制物业 · 财务公开", ["latest"] = "最新报表", ["history"] = "历次报表", ["motions"] = "业主表决结果",
        ["period"] = "期间", ["version"] = "版本", ["opening"] = "期初银行存款", ["closing"] = "期末银行存款",
        ["receipts"] = "收入合计", ["payments"] = "支出合计", ["surplus"] = "本期结余", ["income"] = "收入", ["expense"] = "支出",
        ["fees"] = "物业服务费", ["publicRevenue"] = "公共收益", ["other"] = "其他", ["byLine"] = "按支出科目",
        ["items"] = "每一笔支出", ["date"] = "日期", ["payee"] = "收款方", ["amount"] = "金额", ["line"] = "科目", ["request"] = "支出申请", ["voucher"] = "凭证",
        ["budget"] = "预算执行", ["annual"] = "年度预算", ["thisPeriod"] = "本期实际", ["ytd"] = "年度累计", ["left"] = "剩余",
        ["remuneration"] = "受托人酬金", ["accrued"] = "计提", ["paid"] = "支付", ["arrears"] = "欠费情况", ["unitsInArrears"] = "欠费户数",
        ["arrearsAmount"] = "欠费金额", ["unitsListed"] = "欠费房号：", ["listSeparator"] = "、",
        ["unitsNotListed"] = "欠费户数少于 {0} 户，不列房号，以免推算出单户欠费。",
        ["arrearsWithheld"] = "欠费户数少于 {0} 户，不公布欠费户数、欠费金额及账龄，以免报表直接显示单户欠费。", ["collectionRate"] = "收缴率", ["billed"] = "应收", ["collected"] = "已收", ["prepayments"] = "预收物业费",
        ["payables"] = "应付款项", ["suppliers"] = "应付供应商", ["deposits"] = "押金", ["queries"] = "业主质询", ["opened"] = "本期提出",
        ["answered"] = "本期答复", ["openAtEnd"] = "期末未答复", ["remarks"] = "监察人意见", ["noRemarks"] = "无", ["verification"] = "核验信息",
        ["seq"] = "账簿序号", ["chainHash"] = "链式哈希", ["hash"] = "报表哈希", ["previousHash"] = "上期报表哈希", ["downloads"] = "下载", ["value"] = "数值", ["tally"] = "统计项",
        ["balanceOverTime"] = "基金银行存款走势", ["rateOverTime"] = "各月收缴率", ["incomeBySource"] = "收入来源", ["spendingByLine"] = "支出构成",
        ["budgetVsActual"] = "预算与实际", ["details"] = "查看详情", ["noStatements"] = "尚无已公布的报表。", ["passed"] = "通过", ["failed"] = "未通过",
        ["quorum"] = "参与达到法定比例", ["noQuorum"] = "参与未达法定比例", ["eligible"] = "应参与", ["participating"] = "实际参与", ["yes"] = "同意", ["no"] = "反对",
        ["abstain"] = "弃权", ["area"] = "专有部分面积（㎡）", ["headcount"] = "人数", ["receiptsList"] = "投票回执哈希", ["choice"] = "选择",
        ["corrected"] = "更正版本", ["reason"] = "更正原因", ["versions"] = "所有版本", ["journal"] = "公开账簿（核验用）", ["month"] = "月报", ["quarter"] = "季报", ["year"] = "年报",
        ["verifyHelp"] = "任何人都可下载公开账簿，逐笔重算哈希链至本报表公布的链式哈希，并用账簿重新加总报表数字。", ["notFound"] = "未找到", ["errorTitle"] = "无法打开此页面",
        ["langSwitch"] = "English", ["result"] = "收支结果", ["fundBalance"] = "基金余额", ["closedOn"] = "截止",
    });

    public static readonly Texts En = new("en", new Dictionary<string, string>
    {
        ["site"] = "Trust-model property · Open books", ["latest"] = "Latest statement", ["history"] = "All statements", ["motions"] = "Owners' votes",
        ["period"] = "Period", ["version"] = "Version", ["opening"] = "Bank balance, opening", ["closing"] = "Bank balance, closing",
        ["receipts"] = "Total received", ["payments"] = "Total paid", ["surplus"] = "Surplus", ["income"] = "Income", ["expense"] = "Expense",
        ["fees"] = "Property service fees", ["publicRevenue"] = "Public revenue", ["other"] = "Other", ["byLine"] = "By expense line",
        ["items"] = "Every payment", ["date"] = "Date", ["payee"] = "Payee", ["amount"] = "Amount", ["line"] = "Line", ["request"] = "Request", ["voucher"] = "Voucher",
        ["budget"] = "Budget execution", ["annual"] = "Annual budget", ["thisPeriod"] = "This period", ["ytd"] = "Year to date", ["left"] = "Left",
        ["remuneration"] = "Trustee remuneration", ["accrued"] = "Accrued", ["paid"] = "Paid", ["arrears"] = "Arrears", ["unitsInArrears"] = "Units in arrears",
        ["arrearsAmount"] = "Amount in arrears", ["unitsListed"] = "Units in arrears: ", ["listSeparator"] = ", ",
        ["unitsNotListed"] = "Fewer than {0} units are in arrears, so none is listed: a list that short would tie the arrears to a household.",
        ["arrearsWithheld"] = "Fewer than {0} units are in arrears, so their number, the amount owed and its age are not published: the statement would show one household's arrears.", ["collectionRate"] = "Collection rate", ["billed"] = "Billed", ["collected"] = "Collected", ["prepayments"] = "Fees paid in advance",
        ["payables"] = "Payables", ["suppliers"] = "Suppliers", ["deposits"] = "Deposits", ["queries"] = "Owners' queries", ["opened"] = "Opened",
        ["answered"] = "Answered", ["openAtEnd"] = "Open at end", ["remarks"] = "Supervisor's remarks", ["noRemarks"] = "None", ["verification"] = "Verification",
        ["seq"] = "Journal sequence", ["chainHash"] = "Chain hash", ["hash"] = "Statement hash", ["previousHash"] = "Previous statement hash", ["downloads"] = "Downloads", ["value"] = "Value", ["tally"] = "Count",
        ["balanceOverTime"] = "Fund bank balance over time", ["rateOverTime"] = "Collection rate by month", ["incomeBySource"] = "Income by source", ["spendingByLine"] = "Spending by line",
        ["budgetVsActual"] = "Budget against actual", ["details"] = "Details", ["noStatements"] = "No statement has been published yet.", ["passed"] = "Passed", ["failed"] = "Not passed",
        ["quorum"] = "Quorum met", ["noQuorum"] = "Quorum not met", ["eligible"] = "Eligible", ["participating"] = "Took part", ["yes"] = "Yes", ["no"] = "No",
        ["abstain"] = "Abstain", ["area"] = "Exclusive area (m²)", ["headcount"] = "Headcount", ["receiptsList"] = "Ballot receipt hashes", ["choice"] = "Choice",
        ["corrected"] = "Corrected version", ["reason"] = "Reason", ["versions"] = "All versions", ["journal"] = "Public journal (for verification)", ["month"] = "Monthly", ["quarter"] = "Quarterly", ["year"] = "Annual",
        ["verifyHelp"] = "Anyone can download the public journal, recompute the hash chain up to the chain hash this statement publishes, and re-add its figures from the entries.", ["notFound"] = "Not found", ["errorTitle"] = "This page cannot be shown",
        ["langSwitch"] = "中文", ["result"] = "Result", ["fundBalance"] = "Fund balance", ["closedOn"] = "Closed",
    });

    private readonly Dictionary<string, string> _words;

    private Texts(string lang, Dictionary<string, string> words) { Lang = lang; _words = words; }

    public string Lang { get; }
    public bool IsEnglish => Lang == "en";
    public string this[string key] => _words.TryGetValue(key, out var w) ? w : key;

    public static Texts For(HttpContext http) => Asked(http.Request.Query["lang"].ToString()) == "en" ? En : Zh;

    /// <summary>
    /// The language a <c>lang</c> tag asks for, by its primary subtag in any case: "en" for <c>en</c>, <c>EN</c>,
    /// <c>en-GB</c>; "zh" for <c>zh</c>, <c>zh-CN</c>, <c>zh-Hans</c>; null for anything else. The public pages, their
    /// cache key and the portal read a tag only through this.
    /// </summary>
    public static string? Asked(string? tag)
    {
        if (string.IsNullOrEmpty(tag)) return null;
        var dash = tag.IndexOf('-');
        var primary = dash < 0 ? tag.AsSpan() : tag.AsSpan(0, dash);
        return primary.Equals("en", StringComparison.OrdinalIgnoreCase) ? "en" : primary.Equals("zh", StringComparison.OrdinalIgnoreCase) ? "zh" : null;
    }
}
