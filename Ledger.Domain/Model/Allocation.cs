namespace Ledger.Domain.Model;

/// <summary>An open bill as allocation sees it: what is still due on it, and where it stands in the order of age.</summary>
public readonly record struct OpenBill(long Id, string Month, string Kind, long Due);

/// <summary>
/// How money settles a unit's bills (DESIGN.md section 5): a payment or a prepayment goes to the
/// oldest open bill first (by month; within a month the fee before its late fee; then by id), and
/// whatever is left stays with the unit as its prepayment (2203).
/// </summary>
public static class Allocation
{
    /// <summary>Spreads <paramref name="amount"/> over <paramref name="open"/>, oldest first; returns each bill's part and what is left.</summary>
    public static (IReadOnlyList<(OpenBill Bill, long Amount)> Parts, long Left) OldestFirst(IEnumerable<OpenBill> open, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var parts = new List<(OpenBill Bill, long Amount)>();
        var left = amount;
        foreach (var bill in open.Where(b => b.Due > 0).OrderBy(b => b.Month, StringComparer.Ordinal).ThenBy(b => b.Kind, StringComparer.Ordinal).ThenBy(b => b.Id))
        {
            if (left == 0) break;
            var take = Math.Min(left, bill.Due);
            parts.Add((bill, take));
            left -= take;
        }
        return (parts, left);
    }

    /// <summary>Who a unit's bill is issued to: its first owner, or the developer for what it has not sold or not delivered.</summary>
    public static long? BilledParty(long? ownerId, bool delivered, long? developerId) =>
        ownerId is null || !delivered ? developerId : ownerId;
}
