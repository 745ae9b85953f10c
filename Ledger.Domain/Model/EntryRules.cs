namespace Ledger.Domain.Model;

/// <summary>An entry not yet posted: what a caller or a money flow asks the journal to record.</summary>
public sealed record EntryDraft(DateOnly Date, string Memo, string Fund, IReadOnlyList<EntryLine> Lines,
    long? Reverses = null, string Kind = EntryKinds.Manual);

public static class EntryKinds
{
    public const string Manual = "manual";
    public const string Reversal = "reversal";
    // Written by the money flows (FeeBook, SpendingBook); only manual entries, reversals and receipts can be reversed.
    public const string Bill = "bill";
    public const string LateFee = "late_fee";
    public const string PrepaymentApplied = "prepayment_applied";
    public const string Payment = "payment";
    public const string Receipt = "receipt";
    public const string Spending = "spending";
    public const string Remuneration = "remuneration";
}

/// <summary>
/// The shape rules of guarantee 1, checked before anything touches storage.
/// Fails with: amount_not_positive, amount_too_large, entry_unbalanced, unknown_account,
/// unknown_fund, fund_mismatch, unit_required, unit_not_allowed.
/// </summary>
public static class EntryRules
{
    /// <summary>Any single amount above this (one trillion yuan) is refused; sums of such amounts still fit a long.</summary>
    public const long MaxAmountFen = 100_000_000_000_000;

    public const int MaxLines = 500;

    public static Failure? Check(EntryDraft draft, IReadOnlyDictionary<string, AccountDef> chart)
    {
        if (!Funds.All.Contains(draft.Fund))
            return new Failure(Codes.UnknownFund, $"Fund '{draft.Fund}' does not exist; use common or maintenance.");
        if (draft.Lines.Count < 2)
            return new Failure(Codes.EntryUnbalanced, "An entry has two or more lines.");
        if (draft.Lines.Count > MaxLines)
            return new Failure(Codes.EntryUnbalanced, $"An entry has at most {MaxLines} lines.");

        long debits = 0, credits = 0;
        for (var i = 0; i < draft.Lines.Count; i++)
        {
            var line = draft.Lines[i];
            if ((line.Debit is null) == (line.Credit is null))
                return new Failure(Codes.EntryUnbalanced, $"Line {i + 1} must have exactly one of debit or credit.");
            if (line.Amount <= 0)
                return new Failure(Codes.AmountNotPositive, $"Line {i + 1}: amounts are positive whole fen.");
            if (line.Amount > MaxAmountFen)
                return new Failure(Codes.AmountTooLarge, $"Line {i + 1}: amount exceeds {MaxAmountFen} fen.");
            if (!chart.TryGetValue(line.Account, out var account))
                return new Failure(Codes.UnknownAccount, $"Line {i + 1}: account '{line.Account}' does not exist.");
            if (account.Fund != draft.Fund)
                return new Failure(Codes.FundMismatch, $"Line {i + 1}: account {account.Code} belongs to the {account.Fund} fund, not {draft.Fund}.");
            if (account.PerUnit && line.UnitId is null)
                return new Failure(Codes.UnitRequired, $"Line {i + 1}: account {account.Code} is kept per unit; name the unitId.");
            if (!account.PerUnit && line.UnitId is not null)
                return new Failure(Codes.UnitNotAllowed, $"Line {i + 1}: account {account.Code} is not kept per unit.");
            if (line.IsDebit) debits += line.Amount; else credits += line.Amount;
        }
        if (debits != credits)
            return new Failure(Codes.EntryUnbalanced, $"Debits ({debits}) must equal credits ({credits}).");
        return null;
    }

    /// <summary>The mirror entry that undoes <paramref name="original"/>.</summary>
    public static EntryDraft Reversal(Entry original, DateOnly date, string reason) =>
        new(date, $"冲销 #{original.Seq}: {reason}", original.Fund,
            original.Lines.Select(l => new EntryLine(l.Account, l.Credit, l.Debit, l.UnitId)).ToList(),
            original.Seq, EntryKinds.Reversal);
}
