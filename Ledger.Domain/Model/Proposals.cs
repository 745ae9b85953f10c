namespace Ledger.Domain.Model;

/// <summary>
/// The trust terms' optional <c>votes</c> section (DESIGN.md section 10): how long before a vote opens it
/// must be announced, and how long the committee has to put a qualified proposal to a vote.
/// </summary>
public sealed record VoteTerms(int NoticeDays = VoteTerms.DefaultNoticeDays, int ProposalResponseDays = VoteTerms.DefaultProposalResponseDays)
{
    /// <summary>As for an owners' assembly meeting under the national rules.</summary>
    public const int DefaultNoticeDays = 15;
    public const int DefaultProposalResponseDays = 30;

    public static readonly VoteTerms Default = new();

    /// <summary>The terms' votes section, or the defaults where the terms (or the section) are missing.</summary>
    public static VoteTerms Of(TrustTerms? terms) => terms?.Votes ?? Default;
}

/// <summary>The codes the owners' decisions add to <see cref="Codes"/>.</summary>
public static class DecisionCodes
{
    public const string NoticeTooShort = "notice_too_short";
    public const string AlreadySupported = "already_supported";
    public const string AlreadyVoted = "already_voted";
    public const string MotionNotPassed = "motion_not_passed";
    public const string UnknownProposal = "unknown_proposal";
    public const string ProposalNotQualified = "proposal_not_qualified";
    public const string ProposalAnswered = "proposal_answered";
    public const string UnitNotOnRegister = "unit_not_on_register";
    /// <summary>409: a delivered unit has no owner recorded, so the register a vote would fix is incomplete.</summary>
    public const string RegisterIncomplete = "register_incomplete";
    /// <summary>409: a vote on a budget of the same fiscal year is announced or open; one at a time per year.</summary>
    public const string BudgetVotePending = "budget_vote_pending";
}

public static class Notice
{
    /// <summary>
    /// A vote opens no earlier than the notice period after it is announced, so owners can read it.
    /// Fails with: notice_too_short.
    /// </summary>
    public static Failure? Check(DateTimeOffset announcedAt, DateTimeOffset opensAt, VoteTerms terms) =>
        opensAt < announcedAt.AddDays(terms.NoticeDays)
            ? new Failure(DecisionCodes.NoticeTooShort,
                $"A vote opens at least {terms.NoticeDays} days after it is announced: not before {Dates.Instant(announcedAt.AddDays(terms.NoticeDays))}.")
            : null;
}

public static class ProposalStatus
{
    public const string Collecting = "collecting";
    public const string Qualified = "qualified";
    public const string Voted = "voted";
    public const string Overdue = "overdue";

    /// <summary>
    /// Derived from the data and the clock at read time (a GET never writes). The committee must put a qualified
    /// proposal to a vote within the response period: a motion answers it in time when its voting opens by
    /// <paramref name="respondBy"/>. A motion opening later does not stop the clock: the proposal reads overdue from
    /// the deadline until that vote opens, then voted (late), so a vote announced for a far-off date hides nothing.
    /// </summary>
    /// <param name="motionOpensAt">When the answering motion's voting opens (stored instant), if there is one.</param>
    public static string Of(string? qualifiedAt, string? respondBy, long? motionId, string? motionOpensAt, DateTimeOffset now)
    {
        var at = Dates.Instant(now);
        if (qualifiedAt is null) return motionId is null ? Collecting : Voted;
        if (motionId is not null && motionOpensAt is not null
            && (string.CompareOrdinal(motionOpensAt, respondBy) <= 0 || string.CompareOrdinal(at, motionOpensAt) >= 0))
            return Voted;
        return string.CompareOrdinal(at, respondBy) > 0 ? Overdue : Qualified;
    }
}

/// <summary>
/// When owners' support obliges the committee to put a topic to a vote: supporters holding at least
/// 20% of the exclusive area AND at least 20% of the headcount, counted as Art. 9 counts voters.
/// Integers only, like the tally: <c>support * 5 >= total</c>.
/// </summary>
public static class ProposalRule
{
    public static bool Qualifies(Share support, Share total) =>
        total.Headcount > 0 && support.Area * 5 >= total.Area && support.Headcount * 5 >= total.Headcount;
}

/// <summary>How far an open vote is from the quorum of Art. 278 (2/3 of the area and 2/3 of the headcount).</summary>
public static class Quorum
{
    /// <summary>The least participation that meets the quorum: the smallest x with x * 3 >= eligible * 2.</summary>
    public static Share Needed(Share eligible) => new((eligible.Area * 2 + 2) / 3, (eligible.Headcount * 2 + 2) / 3);

    /// <summary>What is still missing (zero once the quorum is met).</summary>
    public static Share Missing(Share participating, Share eligible)
    {
        var needed = Needed(eligible);
        return new(Math.Max(0, needed.Area - participating.Area), Math.Max(0, needed.Headcount - participating.Headcount));
    }
}

public static class FollowUpStatus
{
    public const string Planned = "planned";
    public const string InProgress = "in_progress";
    public const string Done = "done";
    public static readonly string[] All = [Planned, InProgress, Done];
}

public static class BallotChannels
{
    public const string Online = "online";
    public const string Paper = "paper";
}

/// <summary>How many counted ballots came by each channel.</summary>
public sealed record ChannelCounts(long Online, long Paper);
