using System.Globalization;

namespace Ledger.Domain.Model;

/// <summary>A statement period: a month (2026-10), a calendar quarter (2026-Q3) or a fiscal year (2026).</summary>
public sealed record Period(string Text, string Kind, Month From, Month To)
{
    public static bool TryParse(string? text, int fiscalYearStartMonth, out Period period)
    {
        period = null!;
        if (Month.TryParse(text, out var m)) { period = new Period(text!, "month", m, m); return true; }
        if (text is { Length: 7 } && text[4] == '-' && text[5] == 'Q' && text[6] is >= '1' and <= '4'
            && int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var qy) && qy is >= 2000 and <= 2999)
        {
            var first = new Month(qy, (text[6] - '1') * 3 + 1);
            period = new Period(text, "quarter", first, Month.Of(first.FirstDay.AddMonths(2)));
            return true;
        }
        if (text is { Length: 4 } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var y) && y is >= 2000 and <= 2999)
        {
            var first = new Month(y, fiscalYearStartMonth);
            period = new Period(text, "year", first, Month.Of(first.FirstDay.AddMonths(11)));
            return true;
        }
        return false;
    }

    public static Period OfMonth(Month m) => new(m.ToString(), "month", m, m);

    /// <summary>The quarter and fiscal-year periods that end with <paramref name="month"/>.</summary>
    public static IEnumerable<Period> EndingWith(Month month, int fiscalYearStartMonth)
    {
        if (month.Number % 3 == 0)
        {
            var q = $"{month.Year}-Q{month.Number / 3}";
            TryParse(q, fiscalYearStartMonth, out var quarter);
            yield return quarter;
        }
        var fy = month.Number >= fiscalYearStartMonth ? month.Year : month.Year - 1;
        if (Month.Of(new Month(fy, fiscalYearStartMonth).FirstDay.AddMonths(11)) == month)
        {
            TryParse(fy.ToString(CultureInfo.InvariantCulture), fiscalYearStartMonth, out var year);
            yield return year;
        }
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

public sealed record ArrearsUnitFigure(string Building, string Number, long Amount);

public sealed record ArrearsFigures(long UnitsInArrears, long Amount, long Billed, long Collected, long CollectionRateBasisPoints,
    IReadOnlyList<long> Buckets, IReadOnlyList<ArrearsUnitFigure>? Units);

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
