using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

public sealed class EntryRulesTests
{
    private static readonly IReadOnlyDictionary<string, AccountDef> Chart = DefaultChart.Accounts.ToDictionary(a => a.Code);

    private static string? Check(string fund, params EntryLine[] lines) =>
        EntryRules.Check(new EntryDraft(new DateOnly(2026, 10, 1), "t", fund, lines), Chart)?.Code;

    [Fact]
    public void Balanced_entry_within_one_fund_passes() =>
        Assert.Null(Check("common", new("1002", 100, null), new("5201", null, 60), new("5202", null, 40)));

    [Fact]
    public void Debits_must_equal_credits() =>
        Assert.Equal(Codes.EntryUnbalanced, Check("common", new("1002", 100, null), new("5201", null, 99)));

    [Fact]
    public void A_line_has_exactly_one_side() =>
        Assert.Equal(Codes.EntryUnbalanced, Check("common", new("1002", 100, 100), new("5201", null, 100)));

    [Fact]
    public void Maintenance_fund_never_mixes_with_common_entries()
    {
        Assert.Equal(Codes.FundMismatch, Check("maintenance", new("1002", 100, null), new("5301", null, 100)));
        Assert.Null(Check("maintenance", new("1003", 100, null), new("5301", null, 100)));
        Assert.Equal(Codes.UnknownFund, Check("other", new("1002", 100, null), new("5201", null, 100)));
    }

    [Fact]
    public void Per_unit_accounts_need_a_unit_and_others_refuse_one()
    {
        Assert.Equal(Codes.UnitRequired, Check("common", new("1122", 100, null), new("5101", null, 100)));
        Assert.Equal(Codes.UnitNotAllowed, Check("common", new("1002", 100, null, 7), new("5201", null, 100)));
        Assert.Null(Check("common", new("1122", 100, null, 7), new("5101", null, 100)));
    }

    [Fact]
    public void Reversal_swaps_every_side_and_names_the_original()
    {
        var original = new Entry("demo", 4, new DateOnly(2026, 10, 1), "收入", "common",
            [new EntryLine("1122", 100, null, 3), new EntryLine("5101", null, 100)], null);
        var reversal = EntryRules.Reversal(original, new DateOnly(2026, 11, 2), "错误");
        Assert.Equal(4, reversal.Reverses);
        Assert.Equal(new EntryLine("1122", null, 100, 3), reversal.Lines[0]);
        Assert.Equal(new EntryLine("5101", 100, null), reversal.Lines[1]);
        Assert.Null(EntryRules.Check(reversal, Chart));
    }

    [Theory]
    [InlineData("2026-11", true)]
    [InlineData("2026-13", false)]
    [InlineData("2026-1", false)]
    [InlineData("26-11-", false)]
    public void Months_parse_strictly(string text, bool ok) => Assert.Equal(ok, Month.TryParse(text, out _));
}
