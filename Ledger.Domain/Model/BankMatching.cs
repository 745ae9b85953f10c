using System.Text.Json.Nodes;

namespace Ledger.Domain.Model;

/// <summary>
/// A journal entry's movement of one bank account: <c>Amount</c> signed as the bank sees it
/// (a debit to 1002 is money in, +), with the references the flows gave it (a payment's external
/// reference, a receipt's reference, a paid spending request's bank reference).
/// </summary>
public sealed record BookMovement(long Seq, DateOnly Date, long Amount, IReadOnlyList<string> References);

/// <summary>How a bank line was matched: <c>reference</c>, <c>amount_date</c>, <c>manual</c>, <c>receipt</c>; or unmatched with its candidates.</summary>
public sealed record MatchOutcome(long? Seq, string? Kind, IReadOnlyList<long> Candidates);

public static class MatchKinds
{
    public const string Reference = "reference";
    public const string AmountDate = "amount_date";
    public const string Manual = "manual";
    public const string Receipt = "receipt";
}

/// <summary>
/// Matches bank lines to book movements (DESIGN.md 9): by reference first, then by amount and date
/// when exactly one free movement of the same signed amount lies within <see cref="DateWindowDays"/>
/// days; else the line stays unmatched with its candidates. A movement is matched to one line at most.
/// </summary>
public sealed class BankMatcher
{
    /// <summary>A transfer is booked by the bank within a few days of the trustee's entry.</summary>
    public const int DateWindowDays = 3;

    private const int MaxCandidates = 20;

    private readonly Dictionary<string, List<BookMovement>> _byReference = new(StringComparer.Ordinal);
    private readonly Dictionary<long, List<BookMovement>> _byAmount = [];
    private readonly HashSet<long> _taken = [];

    /// <param name="movements">the account's movements</param>
    /// <param name="taken">sequences already matched to a line</param>
    public BankMatcher(IEnumerable<BookMovement> movements, IEnumerable<long> taken)
    {
        _taken.UnionWith(taken);
        foreach (var m in movements)
        {
            foreach (var r in m.References)
            {
                if (!_byReference.TryGetValue(r, out var list)) _byReference[r] = list = [];
                list.Add(m);
            }
            if (!_byAmount.TryGetValue(m.Amount, out var same)) _byAmount[m.Amount] = same = [];
            same.Add(m);
        }
    }

    public bool IsTaken(long seq) => _taken.Contains(seq);

    /// <summary>Matches the line and takes the movement, or leaves it unmatched with its candidates.</summary>
    public MatchOutcome Match(DateOnly date, long amount, string? reference, string? endToEndId)
    {
        foreach (var r in new[] { reference, endToEndId })
        {
            if (r is not { Length: > 0 } || !_byReference.TryGetValue(r, out var byRef)) continue;
            var hits = byRef.Where(m => m.Amount == amount && !_taken.Contains(m.Seq)).Select(m => m.Seq).Distinct().ToList();
            if (hits.Count == 1) return Take(hits[0], MatchKinds.Reference);
        }
        var candidates = Candidates(date, amount);
        return candidates.Count == 1 ? Take(candidates[0], MatchKinds.AmountDate) : new MatchOutcome(null, null, candidates);
    }

    /// <summary>Free movements of the same signed amount within the date window, nearest first.</summary>
    public IReadOnlyList<long> Candidates(DateOnly date, long amount) =>
        _byAmount.TryGetValue(amount, out var same)
            ? same.Where(m => !_taken.Contains(m.Seq) && Math.Abs(m.Date.DayNumber - date.DayNumber) <= DateWindowDays)
                .OrderBy(m => Math.Abs(m.Date.DayNumber - date.DayNumber)).ThenBy(m => m.Seq).Select(m => m.Seq).Take(MaxCandidates).ToList()
            : [];

    private MatchOutcome Take(long seq, string kind)
    {
        _taken.Add(seq);
        return new MatchOutcome(seq, kind, []);
    }
}

/// <summary>
/// A reconciling item: <c>Amount</c> is what it adds to bank minus books (so the items sum to the explained difference).
/// <c>Personal</c>: its entry names a unit (DESIGN.md 6: an owner's payment, hidden from the public feed), so it is one
/// household's payment and the published document shows it only within its kind's total (<see cref="Reconciliation.Publish"/>).
/// </summary>
public sealed record ReconcilingItem(string Kind, string Date, long Amount, string? Reference, string Memo, bool Personal = false);

public static class ItemKinds
{
    public const string InBankNotBooks = "in_bank_not_books";
    public const string InBooksNotBank = "in_books_not_bank";
}

/// <summary>A bank line as the month's reconciliation sees it.</summary>
public sealed record ReconLine(long Id, DateOnly Date, long Amount, string? Reference, string Memo, long? MatchedSeq);

/// <summary>A month's reconciliation of one bank account.</summary>
public sealed record Reconciliation(string Month, string Account, string BankThrough, long BankClosing, long BookClosing,
    IReadOnlyList<ReconcilingItem> Items, long Unexplained)
{
    /// <summary>
    /// Builds the month's reconciliation: at the month's end, bank lines not matched to an entry of
    /// the month or before are in the bank, not the books; entries not matched to a line of the month
    /// or before are in the books, not the bank. A line that still has candidates, and the candidates
    /// themselves, are not items: staff must choose, and until then their difference is unexplained.
    /// <c>Unexplained = BankClosing − BookClosing − Σ items</c>.
    /// </summary>
    /// <param name="personal">the owner-specific entries (naming a unit) among the movements and the lines' matches</param>
    public static Reconciliation Build(Month month, string account, string bankThrough, long bankClosing, long bookClosing,
        IReadOnlyList<ReconLine> lines, IReadOnlyList<BookMovement> movements, IReadOnlySet<long>? personal = null)
    {
        personal ??= new HashSet<long>();
        var end = month.LastDay;
        var inScope = movements.Where(m => m.Date <= end).ToDictionary(m => m.Seq);
        var matchedHere = lines.Where(l => l.Date <= end && l.MatchedSeq is { } s && inScope.ContainsKey(s)).Select(l => l.MatchedSeq!.Value).ToHashSet();
        var freeBook = inScope.Values.Where(m => !matchedHere.Contains(m.Seq)).ToList();
        var matcher = new BankMatcher(freeBook, []);
        var pending = new HashSet<long>();
        var items = new List<ReconcilingItem>();
        foreach (var l in lines.Where(l => l.Date <= end && !(l.MatchedSeq is { } s && matchedHere.Contains(s))))
        {
            // A line matched to a later entry is a timing item; an unmatched one with candidates waits for staff.
            var candidates = l.MatchedSeq is null ? matcher.Candidates(l.Date, l.Amount) : [];
            if (candidates.Count > 0) { pending.UnionWith(candidates); continue; }
            items.Add(new ReconcilingItem(ItemKinds.InBankNotBooks, Dates.Format(l.Date), l.Amount, l.Reference, l.Memo,
                l.MatchedSeq is { } later && personal.Contains(later)));
        }
        foreach (var m in freeBook.Where(m => !pending.Contains(m.Seq)).OrderBy(m => m.Date).ThenBy(m => m.Seq))
            items.Add(new ReconcilingItem(ItemKinds.InBooksNotBank, Dates.Format(m.Date), -m.Amount, m.References.FirstOrDefault(), $"#{m.Seq}", personal.Contains(m.Seq)));
        items.Sort((a, b) => string.CompareOrdinal(a.Date, b.Date));
        return new Reconciliation(month.ToString(), account, bankThrough, bankClosing, bookClosing, items,
            bankClosing - bookClosing - items.Sum(i => i.Amount));
    }

    /// <summary>
    /// The published document: figures and items by kind, date and amount only (references and memos
    /// can name a household), hashed like a statement: SHA-256 of its RFC 8785 form without <c>hash</c>.
    /// Owners' payments (<see cref="ReconcilingItem.Personal"/>) are not listed one by one: a date and an amount
    /// are a household's payment (the amount, a unit's fee for some months, names its area and so often the unit),
    /// which the public feed hides. Each kind's are one item dated by the month, with their total and
    /// <c>ownerPayments</c>, their number. The total still follows from the closing balances and the other items.
    /// </summary>
    public JsonObject Publish(string community, string signedBy, string signedAt, string remarks)
    {
        var listed = Items.Where(i => !i.Personal).Select(i => (JsonNode)new JsonObject { ["kind"] = i.Kind, ["date"] = i.Date, ["amount"] = i.Amount });
        var owners = Items.Where(i => i.Personal).GroupBy(i => i.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (JsonNode)new JsonObject { ["kind"] = g.Key, ["date"] = Month, ["amount"] = g.Sum(i => i.Amount), ["ownerPayments"] = g.Count() });
        var doc = new JsonObject
        {
            ["community"] = community, ["month"] = Month, ["account"] = Account, ["bankThrough"] = BankThrough,
            ["bankClosing"] = BankClosing, ["bookClosing"] = BookClosing,
            ["items"] = new JsonArray(listed.Concat(owners).ToArray()),
            ["unexplained"] = Unexplained, ["agree"] = BankClosing == BookClosing,
            ["signedBy"] = signedBy, ["signedAt"] = signedAt, ["remarks"] = remarks,
        };
        doc["hash"] = CanonicalJson.Sha256Hex(doc);
        return doc;
    }

    public static string HashOf(JsonObject published)
    {
        var copy = published.DeepClone().AsObject();
        copy.Remove("hash");
        return CanonicalJson.Sha256Hex(copy);
    }
}
