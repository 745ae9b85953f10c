using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

/// <summary>Civil Code Art. 278 at every boundary, in integers.</summary>
public sealed class TallyTests
{
    /// <summary>Voters "v0".."vN" with the given areas (in hundredths of m²).</summary>
    private static IReadOnlyList<Voter> Register(params long[] areas) => areas.Select((a, i) => new Voter($"v{i}", a, [])).ToList();

    private static TallyResult Count(IReadOnlyList<Voter> register, string threshold, params string?[] choices) =>
        Tally.Count(register, choices.Select((c, i) => (c, i)).Where(x => x.c is not null).ToDictionary(x => $"v{x.i}", x => x.c!), threshold, false);

    public static TheoryData<string, long[], string?[], string, bool, bool> Cases => new()
    {
        // name, areas, choices (null = did not vote), threshold, quorum, passed
        { "exactly 2/3 of area and headcount take part: quorum", [100, 100, 100], ["yes", "yes", null], Thresholds.Ordinary, true, true },
        { "just under 2/3 of area: no quorum", [100, 100, 101], ["yes", "yes", null], Thresholds.Ordinary, false, false },
        { "2/3 of area but not of headcount", [400, 100, 100, 100], ["yes", "yes", null, null], Thresholds.Ordinary, false, false },
        { "2/3 of headcount but not of area", [100, 100, 100, 301], ["yes", "yes", "yes", null], Thresholds.Ordinary, false, false },
        { "abstaining is taking part", [100, 100, 100], ["yes", "abstain", null], Thresholds.Ordinary, true, false },
        { "exactly 1/2 yes by area fails an ordinary motion", [100, 100, 100, 100], ["yes", "yes", "no", "no"], Thresholds.Ordinary, true, false },
        { "one hundredth of a m² more passes", [101, 100, 100, 100, 100], ["yes", "yes", "yes", "no", "no"], Thresholds.Ordinary, true, true },
        { "area above 1/2 but headcount exactly 1/2 fails", [300, 100, 100, 100], ["yes", "yes", "no", "no"], Thresholds.Ordinary, true, false },
        { "headcount above 1/2 but area exactly 1/2 fails", [100, 100, 100, 300], ["yes", "yes", "yes", "no"], Thresholds.Ordinary, true, false },
        { "exactly 3/4 passes a special motion", [100, 100, 100, 100], ["yes", "yes", "yes", "no"], Thresholds.Special, true, true },
        { "just under 3/4 of area fails a special motion", [100, 100, 100, 101], ["yes", "yes", "yes", "no"], Thresholds.Special, true, false },
        { "3/4 of area but under 3/4 headcount fails special", [500, 100, 100, 100, 100], ["yes", "yes", "yes", "no", "no"], Thresholds.Special, true, false },
        { "abstentions weigh against a special motion", [100, 100, 100, 100], ["yes", "yes", "yes", "abstain"], Thresholds.Special, true, true },
        { "abstentions weigh against a special motion, below 3/4", [100, 100, 100, 100, 100], ["yes", "yes", "yes", "abstain", "abstain"], Thresholds.Special, true, false },
        { "nobody votes", [100, 100], [null, null], Thresholds.Ordinary, false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Art_278_decides(string name, long[] areas, string?[] choices, string threshold, bool quorum, bool passed)
    {
        var result = Count(Register(areas), threshold, choices);
        Assert.True(quorum == result.QuorumMet, $"{name}: quorum {result.QuorumMet}");
        Assert.True(passed == result.Passed, $"{name}: passed {result.Passed}");
    }

    [Fact]
    public void Totals_count_area_and_headcount_for_each_choice()
    {
        var result = Count(Register(8957, 12000, 5000, 7000), Thresholds.Ordinary, "yes", "no", "abstain", null);
        Assert.Equal(new Share(32957, 4), result.Totals.Eligible);
        Assert.Equal(new Share(25957, 3), result.Totals.Participating);
        Assert.Equal(new Share(8957, 1), result.Totals.Yes);
        Assert.Equal(new Share(12000, 1), result.Totals.No);
        Assert.Equal(new Share(5000, 1), result.Totals.Abstain);
    }

    [Fact]
    public void With_the_follow_majority_clause_non_voters_join_the_majority()
    {
        var register = Register(100, 100, 100, 100, 100, 100);
        var choices = new Dictionary<string, string> { ["v0"] = "yes", ["v1"] = "yes", ["v2"] = "no" };
        Assert.False(Tally.Count(register, choices, Thresholds.Ordinary, followMajority: false).QuorumMet);
        var followed = Tally.Count(register, choices, Thresholds.Ordinary, followMajority: true);
        Assert.True(followed.QuorumMet);
        Assert.True(followed.Passed);
        Assert.Equal(new Share(500, 5), followed.Totals.Yes);
    }

    [Fact]
    public void A_buyer_of_several_units_and_the_developers_unsold_units_each_count_once()
    {
        long[] developer = [90];
        var voters = VoterRegister.Build(
        [
            new RegisterUnit(1, 8000, true, [1], developer),      // owner 1
            new RegisterUnit(2, 9000, true, [1], developer),      // owner 1 again: same voter
            new RegisterUnit(3, 7000, true, [2, 3], developer),   // co-owners 2 and 3: one voter
            new RegisterUnit(4, 6000, false, [], developer),      // unsold: developer
            new RegisterUnit(5, 5000, false, [4], developer),     // sold but not delivered: developer
            new RegisterUnit(6, 4000, true, [4], developer),      // owner 4, delivered
        ]);
        Assert.Equal(4, voters.Count);
        Assert.Equal(17000, voters.Single(v => v.Key == "owners:1").AreaCentiM2);
        Assert.Equal(7000, voters.Single(v => v.Key == "owners:2,3").AreaCentiM2);
        Assert.Equal(11000, voters.Single(v => v.Key == VoterRegister.DeveloperKey).AreaCentiM2);
        Assert.Equal([90L], voters.Single(v => v.Key == VoterRegister.DeveloperKey).OwnerIds);
        Assert.Equal(4000, voters.Single(v => v.Key == "owners:4").AreaCentiM2);
    }

    [Fact]
    public void A_delivered_unit_with_no_owner_recorded_is_its_buyers_vote_not_the_developers()
    {
        // Art. 9 lumps only the developer's unsold and undelivered units; a delivered one belongs to a buyer the register
        // has not recorded yet. Each such unit is one voter (one per unit, as a buyer's unit counts), with no one to vote online.
        long[] developer = [90];
        RegisterUnit[] units =
        [
            new RegisterUnit(1, 8000, true, [1], developer),
            new RegisterUnit(2, 6000, false, [], developer),      // unsold: developer
            new RegisterUnit(3, 7000, true, [], developer),       // delivered, owner not recorded
            new RegisterUnit(4, 5000, true, [], developer),       // delivered, owner not recorded
        ];
        var voters = VoterRegister.Build(units);
        Assert.Equal(["developer", "owners:1", "unit:3", "unit:4"], voters.Select(v => v.Key));
        Assert.Equal(6000, voters.Single(v => v.Key == VoterRegister.DeveloperKey).AreaCentiM2);
        Assert.Empty(voters.Single(v => v.Key == "unit:3").OwnerIds);

        var refused = VoterRegister.CheckComplete(units, id => $"9栋-{id}");
        Assert.NotNull(refused);
        Assert.Equal((DecisionCodes.RegisterIncomplete, 409), (refused.Code, refused.Status));
        Assert.Contains("9栋-3, 9栋-4", refused.Detail);
        Assert.Null(VoterRegister.CheckComplete(units.Take(2), id => $"{id}"));
    }

    [Theory]
    [InlineData("maintenance_fund_raise", "special")]
    [InlineData("rebuild", "special")]
    [InlineData("common_parts_use_change", "special")]
    [InlineData("budget_adoption", "ordinary")]
    [InlineData("maintenance_fund_use", "ordinary")]
    [InlineData("trustee_appointment", "ordinary")]
    public void Each_kind_has_its_threshold_class(string kind, string threshold) => Assert.Equal(threshold, MotionKinds.Threshold(kind));
}
