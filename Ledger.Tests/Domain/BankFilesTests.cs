using System.Text;
using Ledger.Domain.Model;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Domain;

/// <summary>The bank file readers and the matching rules, pure.</summary>
public sealed class BankFilesTests
{
    private static readonly DateOnly Oct8 = new(2026, 10, 8);

    [Fact]
    public void Camt053_gives_balances_and_every_field_of_a_booked_entry()
    {
        var file = BankSamples.Camt053("2026-10-01", "2026-10-31", 1000m, [
            new("2026-10-08", 180m, "B001", "S-1", "张三", "10月物业费"),
            new("2026-10-31", -12.5m, "B002", null, "招商银行", "手续费"),
        ]);
        var parsed = BankFiles.ReadCamt053(file);
        Assert.Empty(parsed.Errors);
        var f = parsed.File!;
        Assert.Equal((new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31), 100_000L, 116_750L), (f.From, f.To, f.Opening, f.Closing));
        Assert.Equal(new BankLine(1, Oct8, 18_000, 118_000, "B001", "S-1", "张三", "10月物业费"), f.Lines[0]);
        Assert.Equal((-1_250L, 116_750L, (string?)null, "招商银行"), (f.Lines[1].Amount, f.Lines[1].Balance, f.Lines[1].EndToEndId, f.Lines[1].Counterparty));
    }

    [Fact]
    public void Camt053_whose_entries_do_not_reach_the_closing_balance_is_a_balance_mismatch()
    {
        var parsed = BankFiles.ReadCamt053(BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [new("2026-10-08", 180m, "B001")], closing: 181m));
        Assert.Null(parsed.File);
        Assert.Equal(BankCodes.BalanceMismatch, parsed.Code);
        Assert.Contains(parsed.Errors, e => e.Field == "CLBD");
    }

    [Fact]
    public void Camt053_whose_period_ends_before_it_starts_or_misses_an_entry_is_invalid()
    {
        var reversed = BankFiles.ReadCamt053(BankSamples.Camt053("2026-10-31", "2026-10-01", 0m, [new("2026-10-08", 180m, "B001")]));
        Assert.Equal(Codes.ImportInvalid, reversed.Code);
        Assert.Equal(new BankFileError(0, "FrToDt", "The statement's period runs from 2026-10-31 to 2026-10-01: it ends before it starts."), Assert.Single(reversed.Errors));
        var outside = BankFiles.ReadCamt053(BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [new("2026-10-08", 180m, "B001"), new("2026-11-01", 1m), new("2026-09-30", 1m, "B003")]));
        Assert.Equal(Codes.ImportInvalid, outside.Code);
        Assert.Equal([(2, "BookgDt"), (3, "BookgDt")], outside.Errors.Select(e => (e.Row, e.Field)));
        Assert.Contains("bank reference B003", outside.Errors[1].Reason);
        Assert.True(BankFiles.ReadCamt053(BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [new("2026-10-01", 1m), new("2026-10-31", 1m)])).File is not null); // both ends belong to it
    }

    [Fact]
    public void A_broken_camt053_reports_every_problem_with_its_entry()
    {
        var xml = Encoding.UTF8.GetString(BankSamples.Camt053("2026-10-01", "2026-10-31", 0m, [new("2026-10-08", 180m, "B001"), new("2026-10-09", 1m, "B002")]))
            .Replace("<Amt Ccy=\"CNY\">180.00</Amt>", "<Amt Ccy=\"CNY\">18O.00</Amt>").Replace("<Dt>2026-10-09</Dt></BookgDt>", "<Dt>2026-13-09</Dt></BookgDt>")
            .Replace("<Cd>CLBD</Cd>", "<Cd>XXXX</Cd>");
        var parsed = BankFiles.ReadCamt053(Encoding.UTF8.GetBytes(xml));
        Assert.Equal(Codes.ImportInvalid, parsed.Code);
        Assert.Contains(parsed.Errors, e => e is { Row: 1, Field: "Amt" });
        Assert.Contains(parsed.Errors, e => e is { Row: 2, Field: "BookgDt" });
        Assert.Contains(parsed.Errors, e => e is { Row: 0, Field: "CLBD" });
        Assert.Equal(Codes.ImportInvalid, BankFiles.ReadCamt053("<Document><oops"u8.ToArray()).Code);
        Assert.Equal(Codes.ImportInvalid, BankFiles.ReadCamt053("""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document/>"""u8.ToArray()).Code);
    }

    [Fact]
    public void Cmb_csv_in_gb18030_reads_through_the_built_in_mapping()
    {
        var bytes = BankSamples.CmbCsv(1000m, [new("2026-10-08", 1234.56m, Party: "李四 6222****0001", Memo: "转账汇入"), new("2026-10-09", -34.56m, Memo: "短信服务费")]);
        Assert.Throws<DecoderFallbackException>(() => new UTF8Encoding(false, true).GetString(bytes)); // really GB18030, not UTF-8
        var parsed = BankFiles.ReadCsv(bytes, BankMapping.Cmb);
        Assert.Empty(parsed.Errors);
        var f = parsed.File!;
        Assert.Equal((100_000L, 220_000L), (f.Opening, f.Closing));
        Assert.Equal(("李四 6222****0001", "转账汇入", 123_456L, 223_456L), (f.Lines[0].Counterparty, f.Lines[0].Memo, f.Lines[0].Amount, f.Lines[0].Balance));
        Assert.Equal("dab:2026-10-08|123456|223456", f.Lines[0].Identity); // no bank reference: date + amount + running balance
    }

    [Fact]
    public void A_running_balance_that_does_not_add_up_names_its_row()
    {
        var bytes = BankSamples.CmbCsv(0m, [new("2026-10-08", 10m), new("2026-10-09", 10m), new("2026-10-10", 10m)], (row, b) => row == 2 ? b + 0.01m : b);
        var parsed = BankFiles.ReadCsv(bytes, BankMapping.Cmb);
        Assert.Equal(BankCodes.BalanceMismatch, parsed.Code);
        Assert.Equal(2, Assert.Single(parsed.Errors).Row);
    }

    [Fact]
    public void Separate_debit_and_credit_columns_and_newest_first_exports_read_oldest_first()
    {
        var mapping = new BankMapping(1, "utf-8", new("日期", null), "yyyy-MM-dd", null, new("支出", null), new("收入", null), new("余额", null), new("流水号", null), null, null);
        var rows = new List<object?[]>
        {
            new object?[] { "账户明细" },
            new object?[] { "日期", "流水号", "支出", "收入", "余额" },
            new object?[] { "2026-10-09", "R2", "20.00", "", "80.00" },
            new object?[] { "2026-10-08", "R1", "", "100.00", "100.00" },
        };
        var f = BankFiles.ReadRows(rows, mapping).File!;
        Assert.Equal(new[] { 10_000L, -2_000L }, f.Lines.Select(l => l.Amount));
        Assert.Equal(0, f.Opening);
        rows.Add(["2026-10-10", "R3", "5.00", "5.00", "80.00"]);
        Assert.Contains(BankFiles.ReadRows(rows, mapping).Errors, e => e is { Row: 3, Field: "amount" });
    }

    [Theory]
    [InlineData("1,234.56", true, 123_456L)]
    [InlineData("-0.5", true, -50L)]
    [InlineData("¥3.00", true, 300L)]
    [InlineData("1.005", false, 0L)]
    [InlineData("1e3", false, 0L)]
    [InlineData("", false, 0L)]
    public void Yuan_read_to_exact_fen_or_not_at_all(string text, bool ok, long fen)
    {
        Assert.Equal(ok, BankFiles.TryFen(text, out var value));
        Assert.Equal(fen, value);
    }

    [Fact]
    public void Matching_takes_the_reference_first_then_a_single_amount_and_date_candidate()
    {
        BookMovement M(long seq, int day, long amount, params string[] refs) => new(seq, new DateOnly(2026, 10, day), amount, refs);
        var matcher = new BankMatcher([M(1, 8, 18_000, "S-1"), M(2, 8, 18_000, "S-2"), M(3, 20, 500_000, "PK"), M(4, 2, 18_000)], taken: [4]);
        // Two free payments of 180 yuan on the 8th: the bank line stays unmatched with both as candidates.
        var ambiguous = matcher.Match(Oct8, 18_000, "B-9", null);
        Assert.Null(ambiguous.Seq);
        Assert.Equal(new long[] { 1, 2 }, ambiguous.Candidates);
        // The end-to-end id names payment S-2.
        Assert.Equal(new MatchOutcome(2, MatchKinds.Reference, []), matcher.Match(Oct8, 18_000, "B-10", "S-2"));
        // Now only S-1 is free within three days: one candidate is a match.
        Assert.Equal(new MatchOutcome(1, MatchKinds.AmountDate, []), matcher.Match(Oct8.AddDays(3), 18_000, null, null));
        // A reference with the wrong amount or direction is no match; outside the window is no candidate.
        Assert.Null(matcher.Match(new DateOnly(2026, 10, 20), -500_000, null, "PK").Seq);
        Assert.Empty(matcher.Match(new DateOnly(2026, 10, 24), 500_000, null, null).Candidates);
    }

    [Fact]
    public void Reconciliation_items_explain_the_difference_and_pending_candidates_do_not()
    {
        var month = new Month(2026, 10);
        BookMovement M(long seq, int day, long amount) => new(seq, new DateOnly(2026, 10, day), amount, []);
        var movements = new[] { M(1, 8, 18_000), M(2, 8, 18_000), M(3, 10, 500_000) };
        var lines = new List<ReconLine>
        {
            new(10, Oct8, 18_000, null, "", null),                              // two candidates: pending
            new(11, new DateOnly(2026, 10, 10), 500_000, "B2", "", 3),
            new(12, new DateOnly(2026, 10, 31), -1_250, "B3", "手续费", null),  // bank fee: in the bank, not the books
        };
        var r = Reconciliation.Build(month, "1002", "2026-10-31", 516_750, 536_000, lines, movements);
        Assert.Equal(-18_000, r.Unexplained);
        Assert.Equal(ItemKinds.InBankNotBooks, Assert.Single(r.Items).Kind);

        lines[0] = lines[0] with { MatchedSeq = 1 };
        r = Reconciliation.Build(month, "1002", "2026-10-31", 516_750, 536_000, lines, movements);
        Assert.Equal(0, r.Unexplained);
        Assert.Equal(new[] { (ItemKinds.InBooksNotBank, -18_000L), (ItemKinds.InBankNotBooks, -1_250L) }, r.Items.Select(i => (i.Kind, i.Amount)));
        var doc = r.Publish("demo", "监察人", "2026-11-21T02:00:00.000Z", "已核对");
        Assert.Equal(doc["hash"]!.GetValue<string>(), Reconciliation.HashOf(doc));
        Assert.DoesNotContain("手续费", doc.ToJsonString()); // memos stay with staff
    }

    [Fact]
    public void Owners_payments_are_published_as_one_total_per_kind_and_other_items_one_by_one()
    {
        var month = new Month(2026, 10);
        BookMovement M(long seq, int day, long amount) => new(seq, new DateOnly(2026, 10, day), amount, []);
        // 1 and 2 are fee payments (their entries name a unit), 3 a spending payment; a line of the 30th is matched to 4, booked in November.
        var movements = new[] { M(1, 8, 18_000), M(2, 20, 36_000), M(3, 25, -50_000) };
        var lines = new List<ReconLine> { new(10, new DateOnly(2026, 10, 30), 9_000, "B1", "", 4), new(11, new DateOnly(2026, 10, 31), 700, "B2", "利息", null) };
        var r = Reconciliation.Build(month, "1002", "2026-10-31", 9_700, 4_000, lines, movements, new HashSet<long> { 1, 2, 4 });
        Assert.Equal(0, r.Unexplained);
        Assert.Equal(new[] { ("2026-10-08", true), ("2026-10-20", true), ("2026-10-25", false), ("2026-10-30", true), ("2026-10-31", false) },
            r.Items.Select(i => (i.Date, i.Personal)));
        var doc = r.Publish("demo", "监察人", "2026-11-21T02:00:00.000Z", "已核对");
        Assert.Equal(
            """[{"kind":"in_books_not_bank","date":"2026-10-25","amount":50000},{"kind":"in_bank_not_books","date":"2026-10-31","amount":700},"""
            + """{"kind":"in_bank_not_books","date":"2026-10","amount":9000,"ownerPayments":1},{"kind":"in_books_not_bank","date":"2026-10","amount":-54000,"ownerPayments":2}]""",
            doc["items"]!.ToJsonString());
        Assert.Equal(r.Items.Sum(i => i.Amount), doc["items"]!.AsArray().Sum(i => i!["amount"]!.GetValue<long>()));
    }
}
