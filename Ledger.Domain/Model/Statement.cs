using System.Globalization;

namespace Ledger.Domain.Model;

/// <summary>
/// A statement period: a month (2026-10), a calendar quarter (2026-Q3) or a fiscal year (2026, named by
/// the year its first month falls in). The one place that parses periods and does fiscal-year arithmetic.
/// </summary>
public sealed record Period(string Text, string Kind, Month From, Month To)
{
    public static bool TryParse(string? text, int fiscalYearStartMonth, out Period period)
    {
        period = null!;
        if (Month.TryParse(text, out var m)) { period = OfMonth(m); return true; }
        if (text is { Length: 7 } && text[4] == '-' && text[5] == 'Q' && text[6] is >= '1' and <= '4'
            && int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var qy) && qy is >= 2000 and <= 2999)
        {
            period = Quarter(qy, text[6] - '0');
            return true;
        }
        if (text is { Length: 4 } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var y) && y is >= 2000 and <= 2999)
        {
            period = FiscalYear(y, fiscalYearStartMonth);
            return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="text"/> names a period at all (its months depend on the fiscal year; its form does not).</summary>
    public static bool IsWellFormed(string? text) => TryParse(text, 1, out _);

    public static Period OfMonth(Month m) => new(m.ToString(), "month", m, m);

    /// <summary>Calendar quarter <paramref name="quarter"/> (1–4) of <paramref name="year"/>, whatever the fiscal year.</summary>
    public static Period Quarter(int year, int quarter)
    {
        var first = new Month(year, (quarter - 1) * 3 + 1);
        return new Period($"{year}-Q{quarter}", "quarter", first, Month.Of(first.FirstDay.AddMonths(2)));
    }

    /// <summary>The twelve months of fiscal year <paramref name="year"/>, which starts in month <paramref name="startMonth"/> of that year.</summary>
    public static Period FiscalYear(int year, int startMonth)
    {
        var first = new Month(year, startMonth);
        return new Period(year.ToString(CultureInfo.InvariantCulture), "year", first, Month.Of(first.FirstDay.AddMonths(11)));
    }

    /// <summary>The fiscal year <paramref name="month"/> falls in: a year starting in July holds 2026-07 to 2027-06 and is 2026.</summary>
    public static int FiscalYearOf(Month month, int startMonth) => month.Number >= startMonth ? month.Year : month.Year - 1;

    /// <summary>The period of the same kind just before this one (the month, quarter or fiscal year before), or null before 2000.</summary>
    public Period? Previous
    {
        get
        {
            var before = From.Previous;
            if (before.Year < 2000) return null;
            return Kind switch
            {
                "month" => OfMonth(before),
                "quarter" => Quarter(before.Year, (before.Number + 2) / 3),
                _ => FiscalYear(From.Year - 1, From.Number),
            };
        }
    }

    /// <summary>The quarter and fiscal-year periods that end with <paramref name="month"/>.</summary>
    public static IEnumerable<Period> EndingWith(Month month, int fiscalYearStartMonth)
    {
        if (month.Number % 3 == 0) yield return Quarter(month.Year, month.Number / 3);
        var year = FiscalYear(FiscalYearOf(month, fiscalYearStartMonth), fiscalYearStartMonth);
        if (year.To == month) yield return year;
    }
}

// The statement as published. Money is integer fen, rates in basis points, so its RFC 8785 form has
// no fractional numbers and anyone can recompute its hash.

public sealed record StatementDoc(
    string Community, string CommunityName, string Period, string Kind, int Version, string From, string To,
    string? PreviousHash, long Seq, string ChainHash, string Currency,
    BankFigures Bank, ReceiptFigures Receipts, PaymentFigures Payments, ResultFigures Result, RemunerationFigures Remuneration,
    BudgetFigures? Budget, ArrearsFigures Arrears, long Prepayments, PayableFigures Payables, InquiryFigures Queries,
    IReadOnlyList<RemarkFigure> Remarks, CorrectionFigure? Correction);

public sealed record BankFigures(long Opening, long Receipts, long Payments, long Closing);

public sealed record NamedAmount(string Account, string Name, long Amount);

public sealed record ReceiptFigures(long Fees, IReadOnlyList<NamedAmount> PublicRevenue, long Other, long Total);

public sealed record PaymentItem(string Date, string Payee, long Amount, string Account, string AccountName, long Request, string? Voucher, long Seq);

public sealed record PaymentFigures(IReadOnlyList<NamedAmount> ByLine, IReadOnlyList<PaymentItem> Items, long Other, long Total);

public sealed record ResultFigures(long Income, long Expense, long Surplus);

public sealed record RemunerationFigures(long Accrued, long Paid);

public sealed record BudgetLineFigure(string Account, string Name, long Annual, long Period, long YearToDate, long Left);

public sealed record BudgetFigures(int FiscalYear, long BudgetId, int BudgetVersion, IReadOnlyList<BudgetLineFigure> Lines, IReadOnlyList<BudgetLineFigure> Income);

/// <summary>
/// A unit in arrears, listed by building and number when the trust terms choose <c>arrearsDetail: "unit"</c> (DESIGN: "a
/// community may choose to list unit numbers"). No amount: one unit's arrears is its bill, and its bill its area. Statements
/// published before 2026-12-01 carry each unit's amount, and keep it as published (their hash covers it).
/// </summary>
public sealed record ArrearsUnitFigure(string Building, string Number, long? Amount = null)
{
    /// <summary>
    /// Units are listed only when at least this many are in arrears: with one listed unit the period's arrears amount is
    /// that household's, and with two either household works out the other's from its own (the evaluations' floor, 3).
    /// Under it the list is empty, and the pages say why.
    /// </summary>
    public const int MinimumListed = 3;
}

/// <summary>
/// The period's arrears as they stood at its end. With one or two units in arrears the count, the amount and its split by
/// age are withheld (null, absent from the JSON) and <see cref="WithheldBelow"/> says why: the amount would be one
/// household's arrears and its age how long that household has been behind, and with two either household works out
/// the other's from its own. Billed, collected and the collection rate stay: they restate the fee income and the fee
/// receipts the statement publishes anyway (README, Decisions: what a small count cannot hide). Statements published
/// before this rule carry every figure whatever the count, and keep them as published (their hash covers them).
/// </summary>
public sealed record ArrearsFigures(long? UnitsInArrears, long? Amount, long Billed, long Collected, long CollectionRateBasisPoints,
    IReadOnlyList<long>? Buckets, IReadOnlyList<ArrearsUnitFigure>? Units, int? WithheldBelow = null)
{
    /// <summary>
    /// The figures as a statement publishes them: all of them from <see cref="ArrearsUnitFigure.MinimumListed"/> units in
    /// arrears up (or none), else without the count, the amount and the age split. Units are listed (<paramref name="units"/>)
    /// only from that many too.
    /// </summary>
    public static ArrearsFigures Publishable(long unitsInArrears, long amount, long billed, long collected, IReadOnlyList<long> buckets,
        IReadOnlyList<ArrearsUnitFigure>? units)
    {
        var rate = billed == 0 ? 0 : collected * 10_000 / billed;
        return unitsInArrears is > 0 and < ArrearsUnitFigure.MinimumListed
            ? new ArrearsFigures(null, null, billed, collected, rate, null, units is null ? null : [], ArrearsUnitFigure.MinimumListed)
            : new ArrearsFigures(unitsInArrears, amount, billed, collected, rate, buckets, units);
    }
}

public sealed record PayableFigures(long Suppliers, long Remuneration, long Deposits);

/// <summary>
/// The period's queries. The loop's figures and the questions with their answers were added later:
/// absent (null) in statements built before, so those keep their hash.
/// </summary>
public sealed record InquiryFigures(long Opened, long Answered, long OpenAtEnd, long? AnsweredInTime = null, long? RatedSatisfied = null,
    long? Escalated = null, IReadOnlyList<InquiryItemFigure>? Items = null);

/// <summary>A query as a statement publishes it, as it stood at the period's end; never who asked.</summary>
public sealed record InquiryItemFigure(long Id, string Subject, string SubjectId, string Question, string AskedAt, string? Answer, string? AnsweredAt,
    string Status, string? EscalatedBecause, string? Finding, bool? Upheld);

public sealed record RemarkFigure(string Role, string Text, string At);

public sealed record CorrectionFigure(string Reason, string Supersedes);
