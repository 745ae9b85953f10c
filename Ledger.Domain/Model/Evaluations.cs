namespace Ledger.Domain.Model;

/// <summary>
/// A query's place in the accountability loop (DESIGN.md section 11: receive, route, answer, follow
/// up, supervise, assess), derived from what happened and the clock, never stored:
/// <list type="bullet">
/// <item><c>closed</c>: the supervisor recorded a finding;</item>
/// <item><c>escalated</c>: the asker rated the answer unsatisfactory, or the answer came after the deadline;</item>
/// <item><c>overdue</c>: still unanswered past the deadline (escalated by itself: the supervisor may record a finding);</item>
/// <item><c>satisfied</c>: answered in time and rated satisfactory;</item>
/// <item><c>answered</c>: answered in time, not rated yet;</item>
/// <item><c>open</c>: waiting for an answer within the deadline.</item>
/// </list>
/// </summary>
public static class InquiryLoop
{
    public const string Open = "open";
    public const string Answered = "answered";
    public const string Overdue = "overdue";
    public const string Satisfied = "satisfied";
    public const string Escalated = "escalated";
    public const string Closed = "closed";
    public static readonly string[] Statuses = [Open, Answered, Overdue, Satisfied, Escalated, Closed];

    /// <summary>Why a query went to the supervisor.</summary>
    public const string ReasonUnsatisfied = "unsatisfied";
    public const string ReasonLate = "late";

    public static DateTimeOffset Deadline(DateTimeOffset askedAt, int answerDays) => askedAt.AddDays(answerDays);

    /// <summary>Whether the answer (if any, by <paramref name="asOf"/>) came in time.</summary>
    public static bool AnsweredInTime(InquiryFacts q, int answerDays) =>
        q.AnsweredAt is { } a && a <= Deadline(q.AskedAt, answerDays);

    /// <summary>The status as it stood at <paramref name="asOf"/>: events after it are ignored, so a past period's figures never move.</summary>
    public static (string Status, string? EscalatedBecause) StatusAt(InquiryFacts q, DateTimeOffset asOf, int answerDays)
    {
        var deadline = Deadline(q.AskedAt, answerDays);
        bool By(DateTimeOffset? t) => t is { } x && x <= asOf;
        var answered = By(q.AnsweredAt);
        var late = answered ? q.AnsweredAt > deadline : deadline < asOf;
        var rated = By(q.RatedAt);
        string? because = rated && q.Satisfied == false ? ReasonUnsatisfied : late ? ReasonLate : null;
        if (By(q.FoundAt)) return (Closed, because);
        if (!answered) return (late ? Overdue : Open, because);
        if (because is not null) return (Escalated, because);
        return (rated ? Satisfied : Answered, null);
    }

    /// <summary>When the query reached the supervisor, if it has by <paramref name="asOf"/>: the unsatisfied rating, or the deadline passing unanswered.</summary>
    public static DateTimeOffset? EscalatedAt(InquiryFacts q, DateTimeOffset asOf, int answerDays)
    {
        var deadline = Deadline(q.AskedAt, answerDays);
        var late = q.AnsweredAt is { } a && a <= asOf ? a > deadline : deadline < asOf;
        DateTimeOffset? byLate = late ? deadline : null;
        DateTimeOffset? byRating = q.RatedAt is { } r && r <= asOf && q.Satisfied == false ? r : null;
        return byLate is null ? byRating : byRating is null ? byLate : (byLate < byRating ? byLate : byRating);
    }

    /// <summary>The statuses the supervisor may record a finding on.</summary>
    public static bool AwaitsFinding(string status) => status is Overdue or Escalated;
}

/// <summary>What happened to a query, with instants.</summary>
public sealed record InquiryFacts(DateTimeOffset AskedAt, DateTimeOffset? AnsweredAt, DateTimeOffset? RatedAt, bool? Satisfied, DateTimeOffset? FoundAt);

/// <summary>One dimension of an evaluation's published result: the mean (two decimals) and how many gave each score 1..5.</summary>
public sealed record DimensionResult(string Name, decimal? Mean, IReadOnlyList<long> Counts);

public sealed record Participation(long Voters, long Eligible);

/// <summary>An evaluation's result: only aggregates, never a single answer.</summary>
public sealed record EvaluationResult(long EvaluationId, string Title, string ClosesAt, Participation Participation, bool Suppressed, IReadOnlyList<DimensionResult> Dimensions);

/// <summary>
/// Owners' evaluation of the trustee's service (两评): each voter of the register scores every
/// dimension 1-5; the last answer counts. Results are published only after the close and only in
/// aggregate; with fewer than <see cref="MinimumRespondents"/> answers even the distribution would
/// give single answers away, so only participation is shown.
/// </summary>
public static class Evaluations
{
    public const int MinScore = 1;
    public const int MaxScore = 5;
    public const int MinimumRespondents = 3;
    public const int MaxDimensions = 12;

    public static bool IsScore(int score) => score is >= MinScore and <= MaxScore;

    /// <summary>Scores in dimension order, or the first problem: a missing or unknown dimension, or a score outside 1-5.</summary>
    public static Result<int[]> Order(IReadOnlyList<string> dimensions, IReadOnlyDictionary<string, int> scores)
    {
        var unknown = scores.Keys.Where(k => !dimensions.Contains(k)).ToList();
        if (unknown.Count > 0) return new Failure(Codes.EvaluationScoresInvalid, $"Not a dimension of this evaluation: {string.Join(", ", unknown)}.");
        var missing = dimensions.Where(d => !scores.ContainsKey(d)).ToList();
        if (missing.Count > 0) return new Failure(Codes.EvaluationScoresInvalid, $"Score every dimension; missing: {string.Join(", ", missing)}.");
        var ordered = dimensions.Select(d => scores[d]).ToArray();
        if (ordered.Any(s => !IsScore(s))) return new Failure(Codes.EvaluationScoresInvalid, "Scores are whole numbers from 1 to 5.");
        return ordered;
    }

    /// <param name="counted">Each voter's last answer: scores in dimension order.</param>
    public static (Participation Participation, bool Suppressed, IReadOnlyList<DimensionResult> Dimensions) Aggregate(
        IReadOnlyList<string> dimensions, IReadOnlyList<int[]> counted, long eligible)
    {
        var participation = new Participation(counted.Count, eligible);
        if (counted.Count < MinimumRespondents)
            return (participation, true, dimensions.Select(d => new DimensionResult(d, null, new long[MaxScore])).ToList());
        var results = dimensions.Select((name, i) =>
        {
            var counts = new long[MaxScore];
            long sum = 0;
            foreach (var answer in counted) { counts[answer[i] - 1]++; sum += answer[i]; }
            // Mean to two decimals, rounded half up, in integers: (100·sum + n/2) / n hundredths.
            var hundredths = (sum * 100 + counted.Count / 2) / counted.Count;
            return new DimensionResult(name, hundredths / 100m, counts);
        }).ToList();
        return (participation, false, results);
    }
}

/// <summary>Stored instants (fixed-width ISO 8601 UTC text) back to values.</summary>
public static class Instants
{
    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);

    public static DateTimeOffset? ParseOrNull(string? text) => text is null ? null : Parse(text);
}
