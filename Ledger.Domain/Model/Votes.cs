using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain.Model;

/// <summary>A ballot's receipt: the voter keeps the text, the published result lists only its hash.</summary>
public static class BallotReceipts
{
    /// <summary>Lowercase hex SHA-256 of the receipt's UTF-8 bytes, as the published result lists it.</summary>
    public static string Hash(string receipt) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(receipt)));
}

public static class MotionKinds
{
    public const string BudgetAdoption = "budget_adoption";
    public const string BudgetAmendment = "budget_amendment";
    public const string Spending = "spending";

    /// <summary>Civil Code Art. 278 (1)(6)(7)(8): raising the maintenance fund, rebuilding, changing the use of common parts.</summary>
    public static readonly string[] Special = ["maintenance_fund_raise", "rebuild", "common_parts_use_change"];

    public static readonly string[] All =
    [
        BudgetAdoption, BudgetAmendment, Spending, "remuneration_change", "trustee_appointment", "supervisor_appointment",
        "maintenance_fund_use", "maintenance_fund_raise", "common_parts_use_change", "rebuild", "other",
    ];

    public static string Threshold(string kind) => Special.Contains(kind) ? Thresholds.Special : Thresholds.Ordinary;
}

public static class Thresholds
{
    public const string Ordinary = "ordinary";
    public const string Special = "special";
}

public static class Choices
{
    public const string Yes = "yes";
    public const string No = "no";
    public const string Abstain = "abstain";
    public static readonly string[] All = [Yes, No, Abstain];
}

/// <summary>A unit as the register sees it for a vote.</summary>
public sealed record RegisterUnit(long UnitId, long AreaCentiM2, bool Delivered, IReadOnlyList<long> OwnerIds, IReadOnlyList<long> DeveloperOwnerIds);

/// <summary>One voter of a motion: who may cast the ballot (owner ids) and the area it carries.</summary>
public sealed record Voter(string Key, long AreaCentiM2, IReadOnlyList<long> OwnerIds);

/// <summary>
/// The voter register of DESIGN.md section 4 (SPC interpretation on building ownership, Art. 9):
/// headcount one per unit, except that one buyer of several units counts once and the developer's
/// unsold or undelivered units together count once; a voter's area is the sum of their units'.
/// Co-owners of a unit are one voter for it (they share one ballot).
/// </summary>
public static class VoterRegister
{
    public const string DeveloperKey = "developer";

    public static IReadOnlyList<Voter> Build(IEnumerable<RegisterUnit> units)
    {
        var voters = new Dictionary<string, (long Area, IReadOnlyList<long> Owners)>(StringComparer.Ordinal);
        foreach (var unit in units)
        {
            var (key, owners) = VoterOf(unit);
            var previous = voters.GetValueOrDefault(key);
            voters[key] = (previous.Area + unit.AreaCentiM2, owners);
        }
        return voters.Select(v => new Voter(v.Key, v.Value.Area, v.Value.Owners)).OrderBy(v => v.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>The key of a delivered unit whose owner the register does not record yet.</summary>
    public const string UnrecordedPrefix = "unit:";

    /// <summary>The voter a unit belongs to: its key and the owners who may vote for it.</summary>
    public static (string Key, IReadOnlyList<long> OwnerIds) VoterOf(RegisterUnit unit)
    {
        // A delivered unit belongs to its buyer (Art. 9 lumps only the unsold and the undelivered ones with the
        // developer): with no owner recorded yet it counts one per unit, as a buyer's unit does by default, and
        // no one may vote online for it until its owner is recorded.
        if (IsUnrecorded(unit)) return (UnrecordedPrefix + unit.UnitId.ToString(System.Globalization.CultureInfo.InvariantCulture), []);
        // A unit listed under the developer is one it has not sold: with the unlisted and undelivered
        // ones it makes the developer one voter, not a second one under its own owner id.
        var developer = unit.OwnerIds.Count == 0 || !unit.Delivered || unit.OwnerIds.All(unit.DeveloperOwnerIds.Contains);
        var owners = developer ? unit.DeveloperOwnerIds : unit.OwnerIds.Distinct().Order().ToList();
        return (developer ? DeveloperKey : "owners:" + string.Join(',', owners), owners);
    }

    /// <summary>A delivered unit with no owner recorded: its buyer is missing from the register.</summary>
    public static bool IsUnrecorded(RegisterUnit unit) => unit.Delivered && unit.OwnerIds.Count == 0;

    /// <summary>
    /// Whether the register is complete enough to announce a vote on: every delivered unit has its owner recorded.
    /// Fails with: register_incomplete (409), naming the units (by <paramref name="label"/>, at most 20).
    /// </summary>
    public static Failure? CheckComplete(IEnumerable<RegisterUnit> units, Func<long, string> label)
    {
        var missing = units.Where(IsUnrecorded).Select(u => u.UnitId).ToList();
        if (missing.Count == 0) return null;
        var named = string.Join(", ", missing.Take(20).Select(label)) + (missing.Count > 20 ? $" and {missing.Count - 20} more" : "");
        return Failure.Conflict(DecisionCodes.RegisterIncomplete,
            $"{missing.Count} delivered unit(s) have no owner recorded: {named}. A delivered unit is its buyer's vote, not the developer's: "
            + "record its owner (POST …/owners) before announcing a vote.");
    }
}

public sealed record Share(long Area, long Headcount)
{
    public static readonly Share Zero = new(0, 0);
    public Share Add(long area) => new(Area + area, Headcount + 1);
    public static Share operator +(Share a, Share b) => new(a.Area + b.Area, a.Headcount + b.Headcount);
}

public sealed record TallyTotals(Share Eligible, Share Participating, Share Yes, Share No, Share Abstain);

public sealed record TallyResult(TallyTotals Totals, bool QuorumMet, bool Passed);

/// <summary>
/// Civil Code Art. 278, in integers only: quorum when the voters taking part (abstaining is taking
/// part) hold at least 2/3 of the area and 2/3 of the headcount; a special matter passes with at least
/// 3/4 of the participating area and headcount saying yes, any other with more than 1/2 of both.
/// </summary>
public static class Tally
{
    /// <param name="choices">The counted ballot (the last one) of each voter who took part, by voter key.</param>
    /// <param name="followMajority">从众条款: non-voters are counted with the majority of those who voted.</param>
    public static TallyResult Count(IReadOnlyList<Voter> register, IReadOnlyDictionary<string, string> choices, string threshold, bool followMajority)
    {
        Share eligible = Share.Zero, yes = Share.Zero, no = Share.Zero, abstain = Share.Zero;
        var silent = new List<Voter>();
        foreach (var voter in register)
        {
            eligible = eligible.Add(voter.AreaCentiM2);
            switch (choices.GetValueOrDefault(voter.Key))
            {
                case Choices.Yes: yes = yes.Add(voter.AreaCentiM2); break;
                case Choices.No: no = no.Add(voter.AreaCentiM2); break;
                case Choices.Abstain: abstain = abstain.Add(voter.AreaCentiM2); break;
                default: silent.Add(voter); break;
            }
        }
        if (followMajority && silent.Count > 0)
        {
            // The majority is the side ahead on both area and headcount among those who voted;
            // where neither is ahead on both, nobody's silence is counted.
            var followers = silent.Aggregate(Share.Zero, (s, v) => s.Add(v.AreaCentiM2));
            if (yes.Area > no.Area && yes.Headcount > no.Headcount) yes += followers;
            else if (no.Area > yes.Area && no.Headcount > yes.Headcount) no += followers;
        }
        var participating = yes + no + abstain;
        var quorum = eligible.Headcount > 0
            && participating.Area * 3 >= eligible.Area * 2
            && participating.Headcount * 3 >= eligible.Headcount * 2;
        var passed = quorum && (threshold == Thresholds.Special
            ? yes.Area * 4 >= participating.Area * 3 && yes.Headcount * 4 >= participating.Headcount * 3
            : yes.Area * 2 > participating.Area && yes.Headcount * 2 > participating.Headcount);
        return new TallyResult(new TallyTotals(eligible, participating, yes, no, abstain), quorum, passed);
    }
}
