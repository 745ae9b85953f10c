using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Data.Common;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record NewMotion(string Kind, long? SubjectId, string Title, string Body, DateTimeOffset OpensAt, DateTimeOffset ClosesAt);

/// <param name="ProposalId">The owners' proposal this motion puts to the vote, if any.</param>
public sealed record MotionView(long Id, string Kind, string Threshold, long? SubjectId, string Title, string Body, string OpensAt, string ClosesAt,
    string Status, bool FollowMajority, MotionResult? Result, long? ProposalId = null);

public sealed record ReceiptLine(string ReceiptHash, string Choice);

/// <summary>A motion's outcome: while open only participation is known; at the close, everything.</summary>
public sealed record MotionResult(string Status, bool? QuorumMet, bool? Passed, TallyTotals Totals, IReadOnlyList<ReceiptLine> Receipts);

/// <summary>
/// Motions and votes under Civil Code Art. 278. The register is snapshotted when a motion opens, so
/// later changes to it do not move an open vote; every ballot is kept, and each voter's last ballot
/// before the close counts. Opening and closing follow the clock: a read derives the status and the
/// result from the clock without writing (<see cref="Deadlines.MotionStatus"/>); the job, a ballot or
/// a write that depends on the outcome persists them, with their effect, once, under the community lock.
/// </summary>
public sealed class MotionBook(LedgerDatabase db)
{
    private static readonly JsonSerializerOptions ResultJson = new(JsonSerializerDefaults.Web);

    private sealed class Row
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string Threshold { get; init; } = "";
        public long? SubjectId { get; init; }
        public string Title { get; init; } = "";
        public string Body { get; init; } = "";
        public string OpensAt { get; init; } = "";
        public string ClosesAt { get; init; } = "";
        public string Status { get; init; } = "";
        public bool FollowMajority { get; init; }
        public string? Result { get; init; }
        public long? ProposalId { get; init; }

        public MotionView ToView(string status, MotionResult? derived) => new(Id, Kind, Threshold, SubjectId, Title, Body, OpensAt, ClosesAt, status, FollowMajority,
            Result is null ? derived : JsonSerializer.Deserialize<MotionResult>(Result, ResultJson), ProposalId);
    }

    // A proposal names the motion that answers it (at most one: a unique index), so the motion reads it from there.
    private const string Columns = "id, kind, threshold, subject_id, title, body, opens_at, closes_at, status, follow_majority, result, "
        + "(SELECT p.id FROM proposals p WHERE p.community_id = motions.community_id AND p.motion_id = motions.id) AS proposal_id";

    /// <summary>
    /// Announces a motion. Fails with: subject_invalid (a budget motion must name a published budget of the right kind),
    /// budget_vote_pending (409: another vote on a budget of that year is announced or open), notice_too_short,
    /// register_incomplete (409: a delivered unit has no owner recorded).
    /// </summary>
    public async Task<Result<MotionView>> CreateAsync(WriteScope scope, NewMotion motion)
    {
        var c = scope.Community.Id;
        if (motion.Kind is MotionKinds.BudgetAdoption or MotionKinds.BudgetAmendment)
        {
            var budget = await scope.QueryOptionalAsync<(long FiscalYear, string Status, long? AmendsId)>(
                "SELECT fiscal_year, status, amends_id FROM budgets WHERE community_id = @c AND id = @SubjectId", new { c, motion.SubjectId });
            if (budget is not { Status: BudgetStatus.Published } b)
                return new Failure(Codes.SubjectInvalid, "A budget motion names a published budget (subjectId).");
            // One budget vote per year at a time: two could both pass, and the later would silently replace what the
            // owners adopted first. Votes whose time has come are persisted first, so the budget in force is current.
            if (await PendingBudgetVoteAsync(scope, b.FiscalYear) is { } pending)
                return Failure.Conflict(DecisionCodes.BudgetVotePending,
                    $"Motion {pending} on a {b.FiscalYear} budget is announced or open; a second budget vote for {b.FiscalYear} may be announced once it has closed.");
            var inForce = await BudgetBook.InForceIdAsync(scope, (int)b.FiscalYear);
            if (motion.Kind == MotionKinds.BudgetAdoption && inForce is not null)
                return new Failure(Codes.SubjectInvalid, $"A budget for {b.FiscalYear} is in force; a new version is a budget_amendment.");
            if (motion.Kind == MotionKinds.BudgetAmendment && inForce is null)
                return new Failure(Codes.SubjectInvalid, $"No budget for {b.FiscalYear} is in force to amend; use budget_adoption.");
            // An amendment drafted against a version another amendment has since replaced would overturn that one unseen.
            if (motion.Kind == MotionKinds.BudgetAmendment && b.AmendsId != inForce)
                return new Failure(Codes.SubjectInvalid,
                    $"Budget {motion.SubjectId} amends budget {b.AmendsId?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, but budget {inForce} is in force for {b.FiscalYear}; draft the amendment again.");
        }
        if (motion.Kind == MotionKinds.Spending)
        {
            var request = await scope.QuerySingleOrDefaultAsync<string>(
                "SELECT status FROM spending_requests WHERE community_id = @c AND id = @SubjectId", new { c, motion.SubjectId });
            if (request is not ("pending" or "approved"))
                return new Failure(Codes.SubjectInvalid, "A spending motion names a pending or approved, unpaid spending request (subjectId).");
        }
        var terms = await RegisterBook.TrustTermsAsync(scope, c);
        if (Notice.Check(scope.Now, motion.OpensAt, VoteTerms.Of(terms?.Terms)) is { } tooShort) return tooShort;
        if (await RegisterIncompleteAsync(scope) is { } incomplete) return incomplete;
        var id = await scope.QuerySingleAsync<long>("""
            INSERT INTO motions (community_id, kind, threshold, subject_id, title, body, opens_at, closes_at, follow_majority, status, created_by, created_at)
            VALUES (@c, @Kind, @Threshold, @SubjectId, @Title, @Body, @OpensAt, @ClosesAt, @Follow, 'scheduled', @UserId, @At) RETURNING id
            """, new
        {
            c, motion.Kind, Threshold = MotionKinds.Threshold(motion.Kind), motion.SubjectId, motion.Title, motion.Body,
            OpensAt = Dates.Instant(motion.OpensAt), ClosesAt = Dates.Instant(motion.ClosesAt), Follow = terms?.Terms.FollowMajority ?? false,
            scope.UserId, At = Dates.Instant(scope.Now),
        });
        await AdvanceAsync(scope, id);
        return (await GetAsync(scope, c, id, scope.Now))!;
    }

    /// <summary>The id of a budget vote of <paramref name="fiscalYear"/> not closed yet (after persisting those whose time has come), or null.</summary>
    private async Task<long?> PendingBudgetVoteAsync(WriteScope scope, long fiscalYear)
    {
        var ids = (await scope.QueryAsync<long>("""
            SELECT m.id FROM motions m JOIN budgets b ON b.community_id = m.community_id AND b.id = m.subject_id
            WHERE m.community_id = @Id AND m.kind IN (@Adoption, @Amendment) AND m.status <> 'closed' AND b.fiscal_year = @fiscalYear ORDER BY m.id
            """, new { scope.Community.Id, Adoption = MotionKinds.BudgetAdoption, Amendment = MotionKinds.BudgetAmendment, fiscalYear })).ToList();
        foreach (var id in ids)
            if (await AdvanceAsync(scope, id) != "closed") return id;
        return null;
    }

    /// <summary>register_incomplete when a delivered unit has no owner recorded (its buyer would be missing from the vote).</summary>
    private static async Task<Failure?> RegisterIncompleteAsync(WriteScope scope)
    {
        var units = await RegisterBook.RegisterUnitsAsync(scope, scope.Community.Id);
        if (!units.Any(VoterRegister.IsUnrecorded)) return null;
        var labels = (await scope.QueryAsync<(long Id, string Building, string Number)>(
            "SELECT id, building, number FROM units WHERE community_id = @Id", new { scope.Community.Id })).ToDictionary(u => u.Id, u => $"{u.Building}-{u.Number}");
        return VoterRegister.CheckComplete(units, id => labels.GetValueOrDefault(id, $"#{id}"));
    }

    /// <summary>
    /// Opens (snapshotting the register) or closes (tallying, with its effect) a motion whose time has
    /// come. Idempotent. Returns the motion's status afterwards (null if there is no such motion); it
    /// never counts the live tally, so casting a ballot stays O(1) in the size of the register.
    /// </summary>
    public async Task<string?> AdvanceAsync(WriteScope scope, long id)
    {
        var row = await scope.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM motions WHERE community_id = @Id AND id = @Target", new { scope.Community.Id, Target = id });
        if (row is null) return null;
        var now = Dates.Instant(scope.Now);
        if (row.Status == "scheduled" && string.CompareOrdinal(now, row.OpensAt) >= 0)
        {
            await SnapshotRegisterAsync(scope, id);
            await scope.ExecuteAsync("UPDATE motions SET status = 'open' WHERE community_id = @Id AND id = @Target", new { scope.Community.Id, Target = id });
        }
        if (row.Status != "closed" && string.CompareOrdinal(now, row.ClosesAt) >= 0)
        {
            var result = await CountAsync(scope, scope.Community.Id, id, row.Threshold, row.FollowMajority, final: true);
            await scope.ExecuteAsync("UPDATE motions SET status = 'closed', result = @Result WHERE community_id = @Id AND id = @Target",
                new { Result = JsonSerializer.Serialize(result, ResultJson), scope.Community.Id, Target = id });
            if (result.Passed == true && row.SubjectId is { } subject && row.Kind is MotionKinds.BudgetAdoption or MotionKinds.BudgetAmendment)
            {
                // An adoption never replaces a budget the owners already adopted for the year: only an amendment does.
                // (Announcing refuses a second budget vote while one is pending; this guards votes announced before that rule.)
                var (year, amends) = await scope.QuerySingleAsync<(long, long?)>(
                    "SELECT fiscal_year, amends_id FROM budgets WHERE community_id = @Id AND id = @subject", new { scope.Community.Id, subject });
                var inForce = await BudgetBook.InForceIdAsync(scope, (int)year);
                if (row.Kind == MotionKinds.BudgetAmendment ? amends == inForce : inForce is null)
                    await BudgetBook.AdoptAsync(scope, subject, id);
                else
                    await scope.AuditAsync("budget.not_adopted", $"motion:{id}", row.Kind == MotionKinds.BudgetAmendment
                        ? $"budget {subject}: it amends budget {amends}, but budget {inForce} is in force for {year}"
                        : $"budget {subject}: a budget for {year} was already adopted; an adoption vote does not replace it");
            }
            return "closed";
        }
        return row.Status == "scheduled" && string.CompareOrdinal(now, row.OpensAt) >= 0 ? "open" : row.Status;
    }

    private static async Task SnapshotRegisterAsync(WriteScope scope, long motionId)
    {
        var c = scope.Community.Id;
        var voters = await RegisterBook.VotersAsync(scope, c);
        await scope.ExecuteAsync("INSERT INTO motion_voters (community_id, motion_id, voter_key, area_centi_m2) VALUES (@c, @motionId, @Key, @AreaCentiM2)",
            voters.Select(v => new { c, motionId, v.Key, v.AreaCentiM2 }));
        await scope.ExecuteAsync("INSERT INTO motion_voter_owners (community_id, motion_id, voter_key, owner_id) VALUES (@c, @motionId, @Key, @OwnerId)",
            voters.SelectMany(v => v.OwnerIds.Select(o => new { c, motionId, v.Key, OwnerId = o })));
    }

    /// <summary>
    /// Casts the caller's ballot for every voter of the register they may vote for. Fails with:
    /// not_found, motion_not_open (409), not_a_voter (403), already_voted (409: a paper ballot was recorded).
    /// </summary>
    public async Task<Result<string>> CastAsync(WriteScope scope, long motionId, long userId, string choice)
    {
        var status = await AdvanceAsync(scope, motionId);
        if (status is null) return Failure.NotFound($"Motion {motionId}");
        if (status != "open")
            return Failure.Conflict(Codes.MotionNotOpen, $"Motion {motionId} is {status}: it takes ballots only while open.");
        var keys = (await scope.QueryAsync<string>("""
            SELECT DISTINCT mvo.voter_key FROM owner_users ou
            JOIN motion_voter_owners mvo ON mvo.community_id = ou.community_id AND mvo.owner_id = ou.owner_id AND mvo.motion_id = @motionId
            WHERE ou.community_id = @Id AND ou.user_id = @userId
            """, new { motionId, scope.Community.Id, userId })).ToList();
        if (keys.Count == 0)
            return new Failure(Codes.NotAVoter, "You hold no unit on this motion's register (it was fixed when the motion opened).", 403);
        if (await DecisionBook.HasPaperBallotAsync(scope, motionId, keys))
            return Failure.Conflict(DecisionCodes.AlreadyVoted, "The committee has recorded your paper ballot: one final ballot per voter whatever the channel.");
        var receipt = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        await scope.ExecuteAsync("""
            INSERT INTO ballots (community_id, motion_id, voter_key, user_id, choice, receipt_hash, cast_at) VALUES (@Id, @motionId, @Key, @userId, @choice, @Hash, @At)
            """, keys.Select(k => new { scope.Community.Id, motionId, Key = k, userId, choice, Hash = BallotReceipts.Hash(receipt), At = Dates.Instant(scope.Now) }));
        return receipt;
    }

    /// <summary>Whether a closed motion of <paramref name="kind"/> about <paramref name="subjectId"/> passed.</summary>
    public static async Task<bool> PassedAboutAsync(WriteScope scope, string kind, long subjectId) =>
        await PassedAtAsync(scope, kind, subjectId) is not null;

    /// <summary>When the first motion of <paramref name="kind"/> about the subject that passed closed (stored instant), or null.</summary>
    public static async Task<string?> PassedAtAsync(WriteScope scope, string kind, long subjectId)
    {
        var results = await scope.QueryAsync<(string Result, string ClosesAt)>(
            "SELECT result, closes_at FROM motions WHERE community_id = @Id AND kind = @kind AND subject_id = @subjectId AND status = 'closed' ORDER BY closes_at",
            new { scope.Community.Id, kind, subjectId });
        return results.FirstOrDefault(r => JsonSerializer.Deserialize<MotionResult>(r.Result, ResultJson)?.Passed == true).ClosesAt;
    }

    /// <summary>The tally from the motion's snapshot of the register, or from <paramref name="register"/> for a motion not yet opened in the database.</summary>
    private static async Task<MotionResult> CountAsync(ReadScope read,
        long communityId, long motionId, string threshold, bool followMajority, bool final, IReadOnlyList<Voter>? register = null)
    {
        var voters = register?.ToList() ?? (await read.QueryAsync<(string Key, long Area)>(
            "SELECT voter_key, area_centi_m2 FROM motion_voters WHERE community_id = @communityId AND motion_id = @motionId", new { communityId, motionId }))
            .Select(v => new Voter(v.Key, v.Area, [])).ToList();
        // Each voter's last ballot counts; the earlier ones stay in the audit trail.
        var counted = (await read.QueryAsync<(string Key, string Choice, string ReceiptHash)>("""
            SELECT b.voter_key, b.choice, b.receipt_hash FROM ballots b
            WHERE b.community_id = @communityId AND b.motion_id = @motionId
              AND b.id = (SELECT MAX(x.id) FROM ballots x WHERE x.community_id = b.community_id AND x.motion_id = b.motion_id AND x.voter_key = b.voter_key)
            """, new { communityId, motionId })).ToList();
        var tally = Tally.Count(voters, counted.ToDictionary(b => b.Key, b => b.Choice), threshold, followMajority);
        if (!final)
        {
            // While open, only participation is shown: no running score to sway the vote.
            var t = tally.Totals;
            var area = voters.ToDictionary(v => v.Key, v => v.AreaCentiM2, StringComparer.Ordinal);
            var participating = counted.Aggregate(Share.Zero, (s, b) => s.Add(area[b.Key]));
            return new MotionResult("open", null, null, new TallyTotals(t.Eligible, participating, Share.Zero, Share.Zero, Share.Zero), []);
        }
        var receipts = counted.Select(b => new ReceiptLine(b.ReceiptHash, b.Choice)).OrderBy(r => r.ReceiptHash, StringComparer.Ordinal).ToList();
        return new MotionResult("closed", tally.QuorumMet, tally.Passed, tally.Totals, receipts);
    }

    /// <summary>
    /// A motion as of <paramref name="now"/>, without writing: past its opening or closing time it reads
    /// open or closed, with the live participation or the final result, before the job persists them.
    /// </summary>
    public async Task<MotionView?> GetAsync(ReadScope read, long communityId, long id, DateTimeOffset now)
    {
        var row = await read.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM motions WHERE community_id = @communityId AND id = @id", new { communityId, id });
        if (row is null) return null;
        var status = Deadlines.MotionStatus(row.Status, row.OpensAt, row.ClosesAt, now);
        MotionResult? derived = null;
        if (row.Result is null && status is "open" or "closed")
        {
            // Not opened in the database yet: no ballots, and the register is the one opening would snapshot now.
            var register = row.Status == "scheduled" ? await RegisterBook.VotersAsync(read, communityId) : null;
            derived = await CountAsync(read, communityId, id, row.Threshold, row.FollowMajority, final: status == "closed", register);
        }
        return row.ToView(status, derived);
    }

    public Task<MotionView?> GetAsync(long communityId, long id, DateTimeOffset now) => db.ReadAsync(read => GetAsync(read, communityId, id, now));

    /// <summary>Opens or closes, each under the community lock, every motion (or just <paramref name="only"/>) whose time has come.</summary>
    public async Task<int> AdvanceDueAsync(CommunityInfo community, CommunityWriter writer, long? only = null, CancellationToken ct = default)
    {
        var due = (await DueAsync(community.Id, writer.Now)).Where(d => only is null || d == only).ToList();
        foreach (var id in due)
            await writer.DoAsync(community, null, async scope =>
            {
                await AdvanceAsync(scope, id);
                return null;
            }, ct);
        return due.Count;
    }

    public async Task<IReadOnlyList<long>> DueAsync(long communityId, DateTimeOffset now)
    {
        await using var connection = await db.OpenAsync();
        var at = Dates.Instant(now);
        return (await connection.QueryAsync<long>("""
            SELECT id FROM motions WHERE community_id = @communityId
              AND ((status = 'scheduled' AND opens_at <= @at) OR (status <> 'closed' AND closes_at <= @at)) ORDER BY id
            """, new { communityId, at })).ToList();
    }

    /// <summary>Every motion (or only the closed ones) as of <paramref name="now"/>, without writing.</summary>
    public Task<IReadOnlyList<MotionView>> ListAsync(long communityId, DateTimeOffset now, bool closedOnly = false) => db.ReadAsync<IReadOnlyList<MotionView>>(async read =>
    {
        var ids = await read.QueryAsync<long>(
            $"SELECT id FROM motions WHERE community_id = @communityId {(closedOnly ? "AND (status = 'closed' OR closes_at <= @at)" : "")} ORDER BY id",
            new { communityId, at = Dates.Instant(now) });
        var list = new List<MotionView>();
        foreach (var id in ids) list.Add((await GetAsync(read, communityId, id, now))!);
        return list;
    });
}
