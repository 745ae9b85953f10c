using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

/// <summary>Rounding, late fees and periods, in integers, at their edges.</summary>
public sealed class FeeAndPeriodRulesTests
{
    [Theory]
    [InlineData(100, 49, 0)]   // 0.49 fen
    [InlineData(100, 50, 1)]   // 0.5 fen: half up
    [InlineData(300, 50, 2)]   // 1.5 fen
    [InlineData(500, 50, 3)]   // 2.5 fen: half up, not to even
    [InlineData(101, 50, 1)]   // 0.505 fen
    [InlineData(8888, 25_000, 22_220)]   // 88.88 m² at 2.50 yuan: 222.20 yuan
    [InlineData(8889, 25_050, 22_267)]   // 88.89 m² at 2.505 yuan: 222.66945 yuan
    public void Monthly_fee_rounds_half_fen_up(long areaCentiM2, long rateCentiFen, long fen) =>
        Assert.Equal(fen, Fees.MonthlyFee(areaCentiM2, rateCentiFen));

    [Theory]
    [InlineData(10, 0, 50)]        // below the cap: 10000 × 0.05% × 10 days
    [InlineData(1000, 0, 3000)]    // 5000 asked, capped at 30% of the bill
    [InlineData(1000, 2900, 100)]  // only what is left under the cap
    [InlineData(1000, 3000, 0)]    // at the cap: nothing more
    [InlineData(1000, 3100, 0)]    // past the cap (a rate changed): never negative
    public void Late_fees_stop_at_the_cap(int days, long chargedSoFar, long fen) =>
        Assert.Equal(fen, Fees.LateFee(outstanding: 10_000, dailyRatePermyriad: 5, days, billAmount: 10_000, capBasisPoints: 3000, chargedSoFar));

    [Fact]
    public void Late_fee_rounds_half_fen_up()
    {
        Assert.Equal(1, Fees.LateFee(1000, 5, 1, 1000, 10_000, 0));  // 0.5 fen
        Assert.Equal(0, Fees.LateFee(999, 5, 1, 1000, 10_000, 0));   // 0.4995 fen
        Assert.Equal(0, Fees.LateFee(0, 5, 10, 1000, 10_000, 0));
    }

    [Theory]
    [InlineData("2026-10", 1, "month", "2026-10", "2026-10")]
    [InlineData("2026-Q1", 1, "quarter", "2026-01", "2026-03")]
    [InlineData("2026-Q3", 7, "quarter", "2026-07", "2026-09")] // quarters are calendar quarters whatever the fiscal year
    [InlineData("2026", 1, "year", "2026-01", "2026-12")]
    [InlineData("2026", 7, "year", "2026-07", "2027-06")]       // a fiscal year that starts mid-year is named by its first month's year
    [InlineData("2026", 12, "year", "2026-12", "2027-11")]
    public void Periods_parse_to_their_months(string text, int fiscalStart, string kind, string from, string to)
    {
        Assert.True(Period.TryParse(text, fiscalStart, out var period));
        Assert.Equal(kind, period.Kind);
        Assert.Equal(from, period.From.ToString());
        Assert.Equal(to, period.To.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2026-13")]
    [InlineData("2026-00")]
    [InlineData("2026-Q0")]
    [InlineData("2026-Q5")]
    [InlineData("2026-q1")]
    [InlineData("1999")]
    [InlineData("26")]
    [InlineData("+2026")]
    [InlineData("2026-10-01")]
    public void Malformed_periods_are_refused(string? text)
    {
        Assert.False(Period.TryParse(text, 1, out _));
        Assert.False(Period.IsWellFormed(text));
    }

    [Theory]
    [InlineData("2026-10")]
    [InlineData("2026-Q4")]
    [InlineData("2026")]
    public void Well_formed_periods_are_known_whatever_the_fiscal_year(string text) => Assert.True(Period.IsWellFormed(text));

    [Theory]
    [InlineData("2026-06", 7, 2025)]   // a year starting in July: June still belongs to the year that began last July
    [InlineData("2026-07", 7, 2026)]
    [InlineData("2027-06", 7, 2026)]
    [InlineData("2026-01", 1, 2026)]
    [InlineData("2026-12", 1, 2026)]
    [InlineData("2026-11", 12, 2025)]
    [InlineData("2026-12", 12, 2026)]
    public void A_month_falls_in_the_fiscal_year_named_by_the_year_it_started(string month, int fiscalStart, int year) =>
        Assert.Equal(year, Period.FiscalYearOf(Month.Parse(month), fiscalStart));

    [Theory]
    [InlineData(2026, 7, "2026-07", "2027-06")]
    [InlineData(2026, 1, "2026-01", "2026-12")]
    [InlineData(2026, 12, "2026-12", "2027-11")]
    public void A_fiscal_year_is_twelve_months_from_its_start(int year, int fiscalStart, string from, string to)
    {
        var fy = Period.FiscalYear(year, fiscalStart);
        Assert.Equal(("year", from, to), (fy.Kind, fy.From.ToString(), fy.To.ToString()));
        Assert.Equal(year, Period.FiscalYearOf(fy.From, fiscalStart));
        Assert.Equal(year, Period.FiscalYearOf(fy.To, fiscalStart));
    }

    [Theory]
    [InlineData("2026-01", 1, "2025-12", "2025-12", "2025-12")]   // across the calendar year's boundary
    [InlineData("2026-10", 1, "2026-09", "2026-09", "2026-09")]
    [InlineData("2026-Q1", 1, "2025-Q4", "2025-10", "2025-12")]
    [InlineData("2026-Q3", 7, "2026-Q2", "2026-04", "2026-06")]
    [InlineData("2026", 1, "2025", "2025-01", "2025-12")]
    [InlineData("2026", 7, "2025", "2025-07", "2026-06")]        // a mid-year fiscal year: the twelve months just before
    public void The_previous_period_is_the_same_kind_just_before(string text, int fiscalStart, string previous, string from, string to)
    {
        Assert.True(Period.TryParse(text, fiscalStart, out var period));
        var before = period.Previous!;
        Assert.Equal((period.Kind, previous, from, to), (before.Kind, before.Text, before.From.ToString(), before.To.ToString()));
        Assert.Equal(period.From, before.To.Next);
    }

    [Theory]
    [InlineData("2000-01")]
    [InlineData("2000-Q1")]
    [InlineData("2000")]
    public void Nothing_comes_before_the_first_period_there_can_be(string text)
    {
        Assert.True(Period.TryParse(text, 1, out var period));
        Assert.Null(period.Previous);
    }

    [Theory]
    [InlineData("2026-12", 1, "2026-Q4,2026")]
    [InlineData("2026-12", 7, "2026-Q4")]          // the fiscal year runs on to June
    [InlineData("2027-06", 7, "2027-Q2,2026")]     // …and ends here
    [InlineData("2027-01", 2, "2026")]             // a year ending in January closes no quarter
    [InlineData("2026-11", 1, "")]
    public void Closing_a_month_ends_the_quarter_and_fiscal_year_that_end_with_it(string month, int fiscalStart, string periods) =>
        Assert.Equal(periods, string.Join(",", Period.EndingWith(Month.Parse(month), fiscalStart).Select(p => p.Text)));
}
