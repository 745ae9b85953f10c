using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record NewEvaluation(string Title, DateTimeOffset OpensAt, DateTimeOffset ClosesAt, IReadOnlyList<string> Dimensions);

/// <summary>An evaluation as members and the public see it: never who answered or what.</summary>
public sealed record EvaluationView(long Id, string Title, string OpensAt, string ClosesAt, string Status, IReadOnlyList<string> Dimensions, Participation Participation);

/// <summary>
/// Owners' evaluations of the trustee's service (两评). The register (Art. 9 counting, as for votes)
/// is fixed when the committee creates an evaluation; each voter answers while it is open, and the
/// last answer counts (earlier ones stay, never changed). Whether it is scheduled, open or closed
/// follows from the clock at read time, so reading never writes.
/// </summary>
public sealed class EvaluationBook(LedgerDatabase db)
{
    public const string Scheduled = "scheduled";
    public const string Open = "open";
    public const string Closed = "closed";

    private sealed class Row
    {
        public long Id { get; init; }
        public string Title { get; init; } = "";
        public string OpensAt { get; init; } = "";
        public string ClosesAt { get; init; } = "";
        public long Eligible { get; init; }
    }

    private static string StatusAt(Row row, DateTimeOffset now)
    {
        var at = Dates.Instant(now);
        return string.CompareOrdinal(at, row.ClosesAt) >= 0 ? Closed : string.CompareOrdinal(at, row.OpensAt) >= 0 ? Open : Scheduled;
    }

    /// <summary>Creates an evaluation and fixes its register. Fails with: evaluation_dates_invalid (it must close in the future, after it opens).</summary>
    public async Task<Result<EvaluationView>> CreateAsync(WriteScope scope, NewEvaluation evaluation)
    {
        if (evaluation.ClosesAt <= evaluation.OpensAt || evaluation.ClosesAt <= scope.Now)
            return new Failure(Codes.EvaluationDatesInvalid, "An evaluation closes after it opens, and in the future.");
        var c = scope.Community.Id;
        var units = (await scope.QueryAsync<(long Id, long Area, bool Delivered)>(
            "SELECT id, area_centi_m2, delivered FROM units WHERE community_id = @c ORDER BY id", new { c })).ToList();
        var owners = (await scope.QueryAsync<(long UnitId, long OwnerId)>(
            "SELECT unit_id, owner_id FROM unit_owners WHERE community_id = @c", new { c })).ToLookup(r => r.UnitId, r => r.OwnerId);
        var developers = (await scope.QueryAsync<long>("SELECT id FROM owners WHERE community_id = @c AND kind = 'developer' ORDER BY id", new { c })).ToList();
        var voters = VoterRegister.Build(units.Select(u => new RegisterUnit(u.Id, u.Area, u.Delivered, owners[u.Id].ToList(), developers)));
        var id = await scope.QuerySingleAsync<long>("""
            INSERT INTO evaluations (community_id, title, opens_at, closes_at, eligible, created_by, created_at)
            VALUES (@c, @Title, @OpensAt, @ClosesAt, @Eligible, @UserId, @At) RETURNING id
            """, new
        {
            c, evaluation.Title, OpensAt = Dates.Instant(evaluation.OpensAt), ClosesAt = Dates.Instant(evaluation.ClosesAt), Eligible = (long)voters.Count,
            scope.UserId, At = Dates.Instant(scope.Now),
        });
        await scope.ExecuteAsync("INSERT INTO evaluation_dimensions (community_id, evaluation_id, position, name) VALUES (@c, @id, @Position, @Name)",
            evaluation.Dimensions.Select((name, i) => new { c, id, Position = (long)i, Name = name }));
        await scope.ExecuteAsync("INSERT INTO evaluation_voter_owners (community_id, evaluation_id, voter_key, owner_id) VALUES (@c, @id, @Key, @OwnerId)",
            voters.SelectMany(v => v.OwnerIds.Select(o => new { c, id, v.Key, OwnerId = o })));
        await scope.AuditAsync("evaluation.create", $"evaluation:{id}", $"{evaluation.Title}: {string.Join(", ", evaluation.Dimensions)}");
        return (await GetAsync(scope, c, id, scope.Now))!;
    }

    /// <summary>
    /// Records the caller's answer for each voter of the register they answer for (one person may hold
    /// units of several voters, as in votes). Fails with: not_found, evaluation_not_open (409),
    /// not_a_voter (403), evaluation_scores_invalid.
    /// </summary>
    public async Task<Result<EvaluationView>> RespondAsync(WriteScope scope, long id, IReadOnlyDictionary<string, int> scores, string comment)
    {
        var c = scope.Community.Id;
        var row = await RowAsync(scope, c, id);
        if (row is null) return Failure.NotFound($"Evaluation {id}");
        var status = StatusAt(row, scope.Now);
        if (status != Open) return Failure.Conflict(Codes.EvaluationNotOpen, $"Evaluation {id} is {status}: it takes answers only while open.");
        var dimensions = await DimensionsAsync(scope, c, id);
        var ordered = Evaluations.Order(dimensions, scores);
        if (!ordered.Ok) return ordered.Failure!;
        var keys = (await scope.QueryAsync<string>("""
            SELECT DISTINCT evo.voter_key FROM owner_users ou
            JOIN evaluation_voter_owners evo ON evo.community_id = ou.community_id AND evo.owner_id = ou.owner_id AND evo.evaluation_id = @id
            WHERE ou.community_id = @c AND ou.user_id = @UserId ORDER BY evo.voter_key
            """, new { id, c, scope.UserId })).ToList();
        if (keys.Count == 0)
            return new Failure(Codes.NotAVoter, "You hold no unit on this evaluation's register (it was fixed when the evaluation was created).", 403);
        foreach (var key in keys)
        {
            var response = await scope.QuerySingleAsync<long>("""
                INSERT INTO evaluation_responses (community_id, evaluation_id, voter_key, user_id, comment, answered_at) VALUES (@c, @id, @key, @UserId, @comment, @At) RETURNING id
                """, new { c, id, key, scope.UserId, comment, At = Dates.Instant(scope.Now) });
            await scope.ExecuteAsync("INSERT INTO evaluation_scores (community_id, response_id, position, score) VALUES (@c, @response, @Position, @Score)",
                ordered.Value!.Select((score, i) => new { c, response, Position = (long)i, Score = (long)score }));
        }
        // The audit trail says that someone answered, never what.
        await scope.AuditAsync("evaluation.respond", $"evaluation:{id}", "");
        return (await GetAsync(scope, c, id, scope.Now))!;
    }

    private static Task<Row?> RowAsync(ReadScope read, long communityId, long id) =>
        read.QuerySingleOrDefaultAsync<Row>("SELECT id, title, opens_at, closes_at, eligible FROM evaluations WHERE community_id = @communityId AND id = @id",
            new { communityId, id });

    private static async Task<IReadOnlyList<string>> DimensionsAsync(ReadScope read, long communityId, long id) =>
        (await read.QueryAsync<string>("SELECT name FROM evaluation_dimensions WHERE community_id = @communityId AND evaluation_id = @id ORDER BY position",
            new { communityId, id })).ToList();

    private static Task<long> VotersAsync(ReadScope read, long communityId, long id) =>
        read.QuerySingleAsync<long>(
            "SELECT COUNT(DISTINCT voter_key) FROM evaluation_responses WHERE community_id = @communityId AND evaluation_id = @id", new { communityId, id });

    private static async Task<EvaluationView?> GetAsync(ReadScope read, long communityId, long id, DateTimeOffset now)
    {
        var row = await RowAsync(read, communityId, id);
        if (row is null) return null;
        return new EvaluationView(row.Id, row.Title, row.OpensAt, row.ClosesAt, StatusAt(row, now), await DimensionsAsync(read, communityId, id),
            new Participation(await VotersAsync(read, communityId, id), row.Eligible));
    }

    public Task<EvaluationView?> GetAsync(long communityId, long id, DateTimeOffset now) => db.ReadAsync(read => GetAsync(read, communityId, id, now));

    public Task<IReadOnlyList<EvaluationView>> ListAsync(long communityId, DateTimeOffset now) => db.ReadAsync<IReadOnlyList<EvaluationView>>(async read =>
    {
        var ids = (await read.QueryAsync<long>("SELECT id FROM evaluations WHERE community_id = @communityId ORDER BY closes_at, id", new { communityId })).ToList();
        var list = new List<EvaluationView>();
        foreach (var id in ids) list.Add((await GetAsync(read, communityId, id, now))!);
        return list;
    });

    /// <summary>
    /// The result, once the evaluation has closed: participation and, per dimension, the mean and how
    /// many gave each score, from each voter's last answer before the close. Fails with: not_found,
    /// evaluation_not_closed (409).
    /// </summary>
    public Task<Result<EvaluationResult>> ResultAsync(long communityId, long id, DateTimeOffset now) => db.ReadAsync<Result<EvaluationResult>>(async read =>
    {
        var row = await RowAsync(read, communityId, id);
        if (row is null) return Failure.NotFound($"Evaluation {id}");
        if (StatusAt(row, now) != Closed) return Failure.Conflict(Codes.EvaluationNotClosed, $"Evaluation {id} closes at {row.ClosesAt}; results are published after that.");
        var dimensions = await DimensionsAsync(read, communityId, id);
        var scores = (await read.QueryAsync<(long Response, long Position, long Score)>("""
            SELECT s.response_id, s.position, s.score FROM evaluation_responses r
            JOIN evaluation_scores s ON s.community_id = r.community_id AND s.response_id = r.id
            WHERE r.community_id = @communityId AND r.evaluation_id = @id AND r.answered_at < @ClosesAt
              AND r.id = (SELECT MAX(x.id) FROM evaluation_responses x WHERE x.community_id = r.community_id AND x.evaluation_id = r.evaluation_id
                          AND x.voter_key = r.voter_key AND x.answered_at < @ClosesAt)
            """, new { communityId, id, row.ClosesAt })).ToList();
        var counted = scores.GroupBy(s => s.Response).Select(g =>
        {
            var answer = new int[dimensions.Count];
            foreach (var s in g) answer[s.Position] = (int)s.Score;
            return answer;
        }).ToList();
        var (participation, suppressed, results) = Evaluations.Aggregate(dimensions, counted, row.Eligible);
        return new EvaluationResult(id, row.Title, row.ClosesAt, participation, suppressed, results);
    });
}
