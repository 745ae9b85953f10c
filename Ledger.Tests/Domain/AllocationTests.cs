using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

/// <summary>Oldest-first allocation and who is billed, as pure rules (DESIGN.md section 5).</summary>
public sealed class AllocationTests
{
    private static readonly OpenBill October = new(30, "2026-10", "fee", 20_000);
    private static readonly OpenBill AugustLateFee = new(12, "2026-08", "late_fee", 500);
    private static readonly OpenBill August = new(11, "2026-08", "fee", 18_000);
    private static readonly OpenBill September = new(20, "2026-09", "fee", 18_000);

    [Fact]
    public void A_payment_across_three_bills_settles_the_oldest_first_and_leaves_the_newest_part_open()
    {
        // Given out of order on purpose: the rule orders them, not the caller.
        var (parts, left) = Allocation.OldestFirst([October, September, August], 40_000);
        Assert.Equal([(August, 18_000L), (September, 18_000L), (October, 4_000L)], parts);
        Assert.Equal(0, left);
    }

    [Fact]
    public void An_overpayment_settles_every_bill_and_the_rest_is_left_as_prepayment()
    {
        var (parts, left) = Allocation.OldestFirst([August, September, October], 60_000);
        Assert.Equal([18_000L, 18_000L, 20_000L], parts.Select(p => p.Amount));
        Assert.Equal(4_000, left);
        Assert.Equal(60_000, parts.Sum(p => p.Amount) + left);
    }

    [Fact]
    public void Within_a_month_the_fee_is_settled_before_its_late_fee()
    {
        var (parts, left) = Allocation.OldestFirst([AugustLateFee, August], 18_200);
        Assert.Equal([(August, 18_000L), (AugustLateFee, 200L)], parts);
        Assert.Equal(0, left);
    }

    [Fact]
    public void Nothing_open_leaves_everything_as_prepayment_and_nothing_paid_touches_nothing()
    {
        Assert.Equal((0, 5_000L), (Allocation.OldestFirst([], 5_000).Parts.Count, Allocation.OldestFirst([], 5_000).Left));
        Assert.Empty(Allocation.OldestFirst([August], 0).Parts);
        Assert.Empty(Allocation.OldestFirst([August with { Due = 0 }], 100).Parts);
        Assert.Throws<ArgumentOutOfRangeException>(() => Allocation.OldestFirst([August], -1));
    }

    [Theory]
    [InlineData(7L, true, 1L, 7L)]      // sold and delivered: the owner
    [InlineData(7L, false, 1L, 1L)]     // sold, not delivered: the developer
    [InlineData(null, true, 1L, 1L)]    // unsold: the developer
    [InlineData(null, false, null, null)] // no developer on the register: nobody named
    public void The_developer_is_billed_for_what_it_has_not_sold_or_delivered(long? owner, bool delivered, long? developer, long? billed) =>
        Assert.Equal(billed, Allocation.BilledParty(owner, delivered, developer));
}
