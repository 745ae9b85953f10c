namespace Ledger.Domain.Model;

public static class AccountKinds
{
    public const string Asset = "asset";
    public const string Liability = "liability";
    public const string NetAssets = "net_assets";
    public const string Income = "income";
    public const string Expense = "expense";
}

public static class Funds
{
    public const string Common = "common";
    public const string Maintenance = "maintenance";
    public static readonly string[] All = [Common, Maintenance];
}

/// <summary>
/// One account of a community's chart. <see cref="NonNegative"/> marks cash accounts whose
/// debit balance may never go below zero (guarantee 6); <see cref="PerUnit"/> marks the
/// per-unit sub-ledgers (receivables and prepayments), whose lines must name a unit.
/// </summary>
public sealed record AccountDef(string Code, string Name, string NameEn, string Kind, string Fund,
    string? ParentCode = null, bool NonNegative = false, bool PerUnit = false);

/// <summary>The default chart of DESIGN.md section 2, created with every community.</summary>
public static class DefaultChart
{
    public static readonly IReadOnlyList<AccountDef> Accounts =
    [
        new("1002", "银行存款（共有基金账户）", "Bank: common-fund account", AccountKinds.Asset, Funds.Common, NonNegative: true),
        new("1122", "应收物业费", "Fees receivable", AccountKinds.Asset, Funds.Common, PerUnit: true),
        new("2203", "预收物业费", "Fees received in advance", AccountKinds.Liability, Funds.Common, PerUnit: true),
        new("2202", "应付账款", "Payables to suppliers", AccountKinds.Liability, Funds.Common),
        new("2211", "应付酬金", "Remuneration payable to trustee", AccountKinds.Liability, Funds.Common),
        new("2241", "押金", "Deposits held", AccountKinds.Liability, Funds.Common),
        new("3101", "基金结余", "Fund balance", AccountKinds.NetAssets, Funds.Common),
        new("5101", "物业服务费收入", "Property service fees", AccountKinds.Income, Funds.Common),
        new("5201", "公共收益：停车", "Public revenue: parking", AccountKinds.Income, Funds.Common),
        new("5202", "公共收益：广告", "Public revenue: advertising", AccountKinds.Income, Funds.Common),
        new("5203", "公共收益：场地租金", "Public revenue: venue rent", AccountKinds.Income, Funds.Common),
        new("5204", "公共收益：利息", "Public revenue: interest", AccountKinds.Income, Funds.Common),
        new("5299", "公共收益：其他", "Public revenue: other", AccountKinds.Income, Funds.Common),
        new("6101", "人员工资及保险", "Staff wages and insurance", AccountKinds.Expense, Funds.Common),
        new("6102", "共用部位维护", "Upkeep of common parts", AccountKinds.Expense, Funds.Common),
        new("6103", "清洁卫生", "Cleaning", AccountKinds.Expense, Funds.Common),
        new("6104", "绿化养护", "Greening", AccountKinds.Expense, Funds.Common),
        new("6105", "秩序维护", "Security and order", AccountKinds.Expense, Funds.Common),
        new("6106", "办公费用", "Office", AccountKinds.Expense, Funds.Common),
        new("6107", "共用部位保险", "Insurance of common parts", AccountKinds.Expense, Funds.Common),
        new("6108", "公共区域水电", "Common-area utilities", AccountKinds.Expense, Funds.Common),
        new("6109", "电梯运行维护", "Lifts", AccountKinds.Expense, Funds.Common),
        new("6190", "业主决定的其他费用", "Other owner-approved costs", AccountKinds.Expense, Funds.Common),
        new("6201", "受托人酬金", "Trustee remuneration", AccountKinds.Expense, Funds.Common),
        new("6202", "监察及审计费用", "Supervision and audit fees", AccountKinds.Expense, Funds.Common),
        // The maintenance fund is a separate, self-balancing fund: it never mixes with common entries.
        new("1003", "银行存款（专项维修资金账户）", "Bank: maintenance-fund account", AccountKinds.Asset, Funds.Maintenance, NonNegative: true),
        new("3201", "专项维修资金结余", "Maintenance fund balance", AccountKinds.NetAssets, Funds.Maintenance),
        new("5301", "维修资金缴存", "Maintenance fund contributions", AccountKinds.Income, Funds.Maintenance),
        new("5302", "维修资金利息", "Maintenance fund interest", AccountKinds.Income, Funds.Maintenance),
        new("6301", "维修资金使用：大中修", "Maintenance fund use: major repairs", AccountKinds.Expense, Funds.Maintenance),
    ];

    public static string FundName(string fund) => fund == Funds.Common ? "共有基金" : "专项维修资金";
}

/// <summary>
/// The accounts the code itself speaks of, by name: the money flows, statements, integrity check
/// and verifier use these, never the digits (the chart above gives their names and funds).
/// </summary>
public static class AccountCodes
{
    public const string Bank = "1002";
    public const string MaintenanceBank = "1003";
    public const string Receivable = "1122";
    public const string Prepaid = "2203";
    public const string SupplierPayables = "2202";
    public const string RemunerationPayable = "2211";
    public const string Deposits = "2241";
    public const string FeeIncome = "5101";
    /// <summary>Public revenue is every income account under 52 (parking, advertising, rent, interest, other).</summary>
    public const string PublicRevenuePrefix = "52";
    public const string ParkingIncome = "5201";
    public const string AdvertisingIncome = "5202";
    public const string RentIncome = "5203";
    public const string InterestIncome = "5204";
    public const string OtherPublicIncome = "5299";
    /// <summary>Late fees are public revenue of the "other" kind.</summary>
    public const string LateFeeIncome = OtherPublicIncome;
    public const string RemunerationExpense = "6201";

    public static bool IsPublicRevenue(string code) => code.StartsWith(PublicRevenuePrefix, StringComparison.Ordinal);
}
