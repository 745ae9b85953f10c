using System.Data.Common;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

/// <summary>A proposal as anyone may read it: support and status, never who supports it.</summary>
public sealed record ProposalView(long Id, string Title, string Body, string Status, Share Support, Share Total, string CreatedAt,
    string? QualifiedAt, string? RespondBy, long? MotionId);

/// <summary>
/// Owners' proposals (DESIGN.md section 10): any owner proposes a topic, owners support it, one support per
/// voter as Art. 9 counts voters (the register as it stands now, not a motion's snapshot). A proposal whose
/// supporters reach 20% of the area and of the headcount is qualified, once, with the date by which the
/// committee must open a motion on it; past that date, without a motion, it is overdue (derived on read).
/// </summary>
public sealed class ProposalBook(LedgerDatabase db)
{
    private sealed class Row
    {
        public long Id { get; init; }
        public string Title { get; init; } = "";
        public string Body { get; init; } = "";
        public string CreatedAt { get; init; } = "";
        public string? QualifiedAt { get; init; }
        public string? RespondBy { get; init; }
        public long? MotionId { get; init; }
        public string? MotionOpensAt { get; init; }
        public long SupportArea { get; init; }
        public long SupportHeadcount { get; init; }
    }

    // The answering motion's opening decides whether the proposal was answered in time (ProposalStatus.Of).
    private const string Select = """
        SELECT p.id, p.title, p.body, p.created_at, p.qualified_at, p.respond_by, p.motion_id, m.opens_at AS motion_opens_at,
               CAST(COALESCE(SUM(s.area_centi_m2), 0) AS BIGINT) AS support_area, COUNT(s.voter_key) AS support_headcount
        FROM proposals p LEFT JOIN proposal_supports s ON s.community_id = p.community_id AND s.proposal_id = p.id
        LEFT JOIN motions m ON m.community_id = p.community_id AND m.id = p.motion_id
        WHERE p.community_id = @communityId
        """;

    private const string GroupBy = " GROUP BY p.id, p.title, p.body, p.created_at, p.qualified_at, p.respond_by, p.motion_id, m.opens_at";

    /// <summary>The register as it stands, and the units each of its voters holds.</summary>
    private static async Task<(IReadOnlyList<Voter> Voters, ILookup<string, RegisterUnit> Units)> RegisterNowAsync(WriteScope scope)
    {
        var units = await RegisterBook.RegisterUnitsAsync(scope, scope.Community.Id);
        return (VoterRegister.Build(units), units.ToLookup(u => VoterRegister.VoterOf(u).Key, StringComparer.Ordinal));
    }

    /// <summary>The voters of <paramref name="register"/> the user may act for (through the owners they are bound to).</summary>
    private static async Task<IReadOnlyList<Voter>> VotersOfUserAsync(WriteScope scope, IReadOnlyList<Voter> register, long userId)
    {
        var owners = (await scope.QueryAsync<long>("SELECT owner_id FROM owner_users WHERE community_id = @Id AND user_id = @userId",
            new { scope.Community.Id, userId })).ToHashSet();
        return register.Where(v => v.OwnerIds.Any(owners.Contains)).ToList();
    }

    /// <summary>Files a proposal; the proposer supports it. Fails with: not_a_voter (403).</summary>
    public async Task<Result<ProposalView>> CreateAsync(WriteScope scope, long userId, string title, string body)
    {
        var registerNow = await RegisterNowAsync(scope);
        var mine = await VotersOfUserAsync(scope, registerNow.Voters, userId);
        if (mine.Count == 0) return new Failure(Codes.NotAVoter, "Only an owner holding a unit on the register proposes a topic.", 403);
        var id = await scope.QuerySingleAsync<long>("""
            INSERT INTO proposals (community_id, title, body, created_by, created_at) VALUES (@Id, @title, @body, @userId, @At) RETURNING id
            """, new { scope.Community.Id, title, body, userId, At = Dates.Instant(scope.Now) });
        await scope.AuditAsync("proposal.create", $"proposal:{id}", title);
        await AddSupportAsync(scope, id, userId, mine, registerNow);
        return (await GetAsync(scope, scope.Community.Id, id, scope.Now))!;
    }

    /// <summary>
    /// Adds the caller's support (for every voter they may act for that has not supported it yet).
    /// Fails with: not_found, not_a_voter (403), proposal_answered (409), already_supported (409).
    /// </summary>
    public async Task<Result<ProposalView>> SupportAsync(WriteScope scope, long id, long userId)
    {
        var c = scope.Community.Id;
        var proposal = await scope.QueryOptionalAsync<(long Id, long? MotionId)>("SELECT id, motion_id FROM proposals WHERE community_id = @c AND id = @id", new { c, id });
        if (proposal is null) return Failure.NotFound($"Proposal {id}");
        if (proposal.Value.MotionId is { } motion)
            return Failure.Conflict(DecisionCodes.ProposalAnswered, $"Motion {motion} already puts this proposal to a vote.");
        var registerNow = await RegisterNowAsync(scope);
        var mine = await VotersOfUserAsync(scope, registerNow.Voters, userId);
        if (mine.Count == 0) return new Failure(Codes.NotAVoter, "Only an owner holding a unit on the register supports a proposal.", 403);
        if (!await AddSupportAsync(scope, id, userId, mine, registerNow))
            return Failure.Conflict(DecisionCodes.AlreadySupported, "You (every voter you act for, through every unit they hold) already support this proposal.");
        return (await GetAsync(scope, c, id, scope.Now))!;
    }

    /// <summary>
    /// Records the support of each voter not yet counted, then qualifies the proposal if it now qualifies. False when nothing was added.
    /// A unit supports once: a voter whose key is new because the register changed (a co-owner added, an unsold unit sold) brings
    /// only the area of units no earlier support covered, and nothing (not even a head) when it holds no such unit.
    /// </summary>
    private async Task<bool> AddSupportAsync(WriteScope scope, long id, long userId, IReadOnlyList<Voter> voters,
        (IReadOnlyList<Voter> Voters, ILookup<string, RegisterUnit> Units) registerNow)
    {
        var c = scope.Community.Id;
        var already = (await scope.QueryAsync<string>("SELECT voter_key FROM proposal_supports WHERE community_id = @c AND proposal_id = @id", new { c, id }))
            .ToHashSet(StringComparer.Ordinal);
        var covered = (await scope.QueryAsync<long>("SELECT unit_id FROM proposal_support_units WHERE community_id = @c AND proposal_id = @id", new { c, id }))
            .ToHashSet();
        var fresh = voters.Where(v => !already.Contains(v.Key))
            .Select(v => (v.Key, Units: registerNow.Units[v.Key].Where(u => !covered.Contains(u.UnitId)).ToList()))
            .Where(v => v.Units.Count > 0).ToList();
        if (fresh.Count == 0) return false;
        await scope.ExecuteAsync("""
            INSERT INTO proposal_supports (community_id, proposal_id, voter_key, area_centi_m2, user_id, supported_at) VALUES (@c, @id, @Key, @Area, @userId, @At)
            """, fresh.Select(v => new { c, id, v.Key, Area = v.Units.Sum(u => u.AreaCentiM2), userId, At = Dates.Instant(scope.Now) }));
        await scope.ExecuteAsync("""
            INSERT INTO proposal_support_units (community_id, proposal_id, unit_id, voter_key) VALUES (@c, @id, @UnitId, @Key)
            """, fresh.SelectMany(v => v.Units.Select(u => new { c, id, u.UnitId, v.Key })));
        await scope.AuditAsync("proposal.support", $"proposal:{id}", $"{fresh.Count} voter(s)");

        var row = await scope.QuerySingleAsync<Row>(Select + " AND p.id = @id" + GroupBy,
            new { communityId = c, id });
        var total = registerNow.Voters.Aggregate(Share.Zero, (s, v) => s.Add(v.AreaCentiM2));
        if (row.QualifiedAt is null && ProposalRule.Qualifies(new Share(row.SupportArea, row.SupportHeadcount), total))
        {
            var terms = VoteTerms.Of((await RegisterBook.TrustTermsAsync(scope, c))?.Terms);
            await scope.ExecuteAsync("UPDATE proposals SET qualified_at = @At, respond_by = @By WHERE community_id = @c AND id = @id",
                new { At = Dates.Instant(scope.Now), By = Dates.Instant(scope.Now.AddDays(terms.ProposalResponseDays)), c, id });
            await scope.AuditAsync("proposal.qualified", $"proposal:{id}", $"respond by {Dates.Instant(scope.Now.AddDays(terms.ProposalResponseDays))}");
        }
        return true;
    }

    /// <summary>
    /// Records that <paramref name="motionId"/> puts the proposal to a vote. A motion that opens after the proposal's
    /// <c>respondBy</c> is accepted (a late vote is better than none), but the proposal reads overdue from the deadline
    /// until that vote opens (<see cref="ProposalStatus.Of"/>). Fails with: unknown_proposal, proposal_not_qualified,
    /// proposal_answered (409).
    /// </summary>
    public static async Task<Failure?> AnswerAsync(WriteScope scope, long proposalId, long motionId)
    {
        var c = scope.Community.Id;
        var p = await scope.QueryOptionalAsync<(long Id, string? QualifiedAt, long? MotionId)>(
            "SELECT id, qualified_at, motion_id FROM proposals WHERE community_id = @c AND id = @proposalId", new { c, proposalId });
        if (p is not { } found) return new Failure(DecisionCodes.UnknownProposal, $"There is no proposal {proposalId} in this community.");
        if (found.MotionId is { } other) return Failure.Conflict(DecisionCodes.ProposalAnswered, $"Motion {other} already puts proposal {proposalId} to a vote.");
        if (found.QualifiedAt is null)
            return new Failure(DecisionCodes.ProposalNotQualified, $"Proposal {proposalId} has not reached 20% of the area and of the headcount.");
        await scope.ExecuteAsync("UPDATE proposals SET motion_id = @motionId WHERE community_id = @c AND id = @proposalId", new { motionId, c, proposalId });
        await scope.AuditAsync("proposal.answered", $"proposal:{proposalId}", $"motion:{motionId}");
        return null;
    }

    public static async Task<ProposalView?> GetAsync(ReadScope read, long communityId, long id, DateTimeOffset now) =>
        (await ReadAsync(read, communityId, " AND p.id = @id", new { communityId, id }, now)).SingleOrDefault();

    public Task<IReadOnlyList<ProposalView>> ListAsync(long communityId, DateTimeOffset now) =>
        db.ReadAsync(read => ReadAsync(read, communityId, "", new { communityId }, now));

    public Task<ProposalView?> FindAsync(long communityId, long id, DateTimeOffset now) => db.ReadAsync(read => GetAsync(read, communityId, id, now));

    private static async Task<IReadOnlyList<ProposalView>> ReadAsync(ReadScope read, long communityId, string where, object param, DateTimeOffset now)
    {
        var rows = (await read.QueryAsync<Row>(
            Select + where + GroupBy + " ORDER BY p.id DESC", param)).ToList();
        if (rows.Count == 0) return [];
        var total = (await RegisterBook.VotersAsync(read, communityId)).Aggregate(Share.Zero, (s, v) => s.Add(v.AreaCentiM2));
        return rows.Select(r => new ProposalView(r.Id, r.Title, r.Body, ProposalStatus.Of(r.QualifiedAt, r.RespondBy, r.MotionId, r.MotionOpensAt, now),
            new Share(r.SupportArea, r.SupportHeadcount), total, r.CreatedAt, r.QualifiedAt, r.RespondBy, r.MotionId)).ToList();
    }
}
