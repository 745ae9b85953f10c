using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

/// <summary>The names Model gives to accounts and entry kinds, and how a statement is frozen and checked.</summary>
public sealed class VocabularyTests
{
    [Theory]
    [InlineData(AccountCodes.Bank, AccountKinds.Asset, Funds.Common)]
    [InlineData(AccountCodes.MaintenanceBank, AccountKinds.Asset, Funds.Maintenance)]
    [InlineData(AccountCodes.Receivable, AccountKinds.Asset, Funds.Common)]
    [InlineData(AccountCodes.Prepaid, AccountKinds.Liability, Funds.Common)]
    [InlineData(AccountCodes.SupplierPayables, AccountKinds.Liability, Funds.Common)]
    [InlineData(AccountCodes.RemunerationPayable, AccountKinds.Liability, Funds.Common)]
    [InlineData(AccountCodes.Deposits, AccountKinds.Liability, Funds.Common)]
    [InlineData(AccountCodes.FeeIncome, AccountKinds.Income, Funds.Common)]
    [InlineData(AccountCodes.LateFeeIncome, AccountKinds.Income, Funds.Common)]
    [InlineData(AccountCodes.RemunerationExpense, AccountKinds.Expense, Funds.Common)]
    public void Every_named_account_is_in_the_default_chart_with_its_kind_and_fund(string code, string kind, string fund)
    {
        var account = Assert.Single(DefaultChart.Accounts, a => a.Code == code);
        Assert.Equal(kind, account.Kind);
        Assert.Equal(fund, account.Fund);
    }

    [Fact]
    public void Banks_are_non_negative_and_the_fee_sub_ledgers_are_kept_per_unit()
    {
        var chart = DefaultChart.Accounts.ToDictionary(a => a.Code);
        Assert.True(chart[AccountCodes.Bank].NonNegative);
        Assert.True(chart[AccountCodes.MaintenanceBank].NonNegative);
        Assert.True(chart[AccountCodes.Receivable].PerUnit);
        Assert.True(chart[AccountCodes.Prepaid].PerUnit);
    }

    [Fact]
    public void Public_revenue_is_every_income_account_under_52_and_nothing_else()
    {
        var revenue = DefaultChart.Accounts.Where(a => AccountCodes.IsPublicRevenue(a.Code)).ToList();
        Assert.Equal(["5201", "5202", "5203", "5204", "5299"], revenue.Select(a => a.Code).Order());
        Assert.All(revenue, a => Assert.Equal(AccountKinds.Income, a.Kind));
        Assert.False(AccountCodes.IsPublicRevenue(AccountCodes.FeeIncome));
        Assert.False(AccountCodes.IsPublicRevenue("5301"));
    }

    [Fact]
    public void Only_manual_entries_reversals_and_receipts_are_named_apart_from_the_flows()
    {
        string[] kinds = [EntryKinds.Manual, EntryKinds.Reversal, EntryKinds.Bill, EntryKinds.LateFee, EntryKinds.PrepaymentApplied,
            EntryKinds.Payment, EntryKinds.Receipt, EntryKinds.Spending, EntryKinds.Remuneration];
        Assert.Equal(kinds.Length, kinds.Distinct().Count());
        Assert.All(kinds, k => Assert.Matches("^[a-z_]+$", k));
    }

    [Fact]
    public void A_published_statement_hashes_to_its_hash_whatever_the_key_order_and_one_changed_figure_breaks_it()
    {
        var body = JsonNode.Parse("""{"period":"2026-10","bank":{"opening":0,"closing":1500},"name":"幸福里"}""")!.AsObject();
        var hash = CanonicalJson.Sha256Hex(body);
        var published = JsonNode.Parse($$"""{"name":"幸福里","hash":"{{hash}}","bank":{"closing":1500,"opening":0},"period":"2026-10"}""")!.AsObject();
        Assert.Equal(hash, FrozenStatement.HashOfPublished(published));
        Assert.Equal(hash, published["hash"]!.GetValue<string>()); // the input is not changed

        published["bank"]!["closing"] = 1501;
        Assert.NotEqual(hash, FrozenStatement.HashOfPublished(published));
    }

    [Fact]
    public void No_account_code_is_written_as_digits_outside_Model_and_the_demo()
    {
        // The chart's codes are spoken of by name (AccountCodes) everywhere but in the chart itself and the
        // demo's made-up entries: a quoted chart code anywhere else, in C#, SQL or a page, is a literal to name.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Ledger.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var codes = DefaultChart.Accounts.Select(a => a.Code).ToHashSet();
        var quoted = new Regex("[\"'](\\d{4})[\"']");
        var sources = new[] { "Ledger.Api", "Ledger.Domain", "Ledger.Jobs" }
            .SelectMany(project => Directory.EnumerateFiles(Path.Combine(root.FullName, project), "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root.FullName, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/") && !f.StartsWith("Ledger.Domain/Model/", StringComparison.Ordinal) && !f.Contains("/Demo/"))
            .ToList();
        Assert.Contains("Ledger.Api/Public/OpenData.cs", sources);   // the scan sees the files that used to hold literals

        var literals = sources.SelectMany(f => File.ReadLines(Path.Combine(root.FullName, f)).Select((line, i) => (f, i, line)))
            .SelectMany(x => quoted.Matches(x.line).Where(m => codes.Contains(m.Groups[1].Value)).Select(m => $"{x.f}:{x.i + 1}: {m.Value}"))
            .ToList();
        Assert.Empty(literals);
    }
}
