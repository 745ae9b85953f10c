using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record FollowUpView(long Id, string Status, string Note, string Role, string CreatedAt, IReadOnlyList<string> Attachments);

/// <summary>A paper ballot as members see it in the trail: the unit, the scan of the signed form, who recorded it and when.</summary>
public sealed record PaperBallotView(long BallotId, long UnitId, string Unit, string Scan, long RecordedBy, string RecordedAt);

/// <summary>
/// The parts of an owners' decision around the vote itself (DESIGN.md section 10): paper ballots recorded
/// by the committee with the scan of the signed form (one final ballot per voter whatever the channel),
/// the count per channel, and the implementation record of a passed motion.
/// </summary>
public sealed class DecisionBook(LedgerDatabase db, MotionBook motions)
{
    /// <summary>
    /// Records a unit's voter's paper ballot; it counts like an online ballot and gets a receipt. Fails with:
    /// not_found, motion_not_open (409), unknown_unit, unknown_attachment, unit_not_on_register, already_voted (409).
    /// </summary>
    public async Task<Result<string>> RecordPaperAsync(WriteScope scope, long motionId, long unitId, string choice, string scan)
    {
        var c = scope.Community.Id;
        var status = await motions.AdvanceAsync(scope, motionId);
        if (status is null) return Failure.NotFound($"Motion {motionId}");
        if (status != "open") return Failure.Conflict(Codes.MotionNotOpen, $"Motion {motionId} is {status}: it takes ballots only while open.");
        var unit = (await RegisterBook.RegisterUnitsAsync(scope, c, unitId)).SingleOrDefault();
        if (unit is null) return new Failure(Codes.UnknownUnit, $"There is no unit {unitId} in this community.");
        if (await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM attachments WHERE community_id = @c AND sha256 = @scan", new { c, scan }) == 0)
            return new Failure(Codes.UnknownAttachment, $"Attachment {scan} was not uploaded to this community: upload the scan of the signed form first.");
        // The unit's voter as the register counts them now must be on the motion's register, fixed when it opened.
        var (key, _) = VoterRegister.VoterOf(unit);
        if (await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM motion_voters WHERE community_id = @c AND motion_id = @motionId AND voter_key = @key",
                new { c, motionId, key }) == 0)
            return new Failure(DecisionCodes.UnitNotOnRegister, $"Unit {unitId}'s voter is not on this motion's register (it was fixed when the motion opened).");
        // One final ballot per voter whatever the channel: an online ballot (or an earlier paper one) stands.
        if (await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM ballots WHERE community_id = @c AND motion_id = @motionId AND voter_key = @key",
                new { c, motionId, key }) > 0)
            return Failure.Conflict(DecisionCodes.AlreadyVoted, $"Unit {unitId}'s voter has already voted on motion {motionId}.");

        var receipt = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var at = Dates.Instant(scope.Now);
        var ballotId = await scope.QuerySingleAsync<long>("""
            INSERT INTO ballots (community_id, motion_id, voter_key, user_id, choice, receipt_hash, cast_at) VALUES (@c, @motionId, @key, @UserId, @choice, @Hash, @at) RETURNING id
            """, new { c, motionId, key, UserId = scope.UserId!.Value, choice, Hash = BallotReceipts.Hash(receipt), at });
        await scope.ExecuteAsync("""
            INSERT INTO paper_ballots (ballot_id, community_id, motion_id, voter_key, unit_id, scan_sha256, recorded_by, recorded_at)
            VALUES (@ballotId, @c, @motionId, @key, @unitId, @scan, @UserId, @at)
            """, new { ballotId, c, motionId, key, unitId, scan, UserId = scope.UserId!.Value, at });
        await scope.AuditAsync("ballot.paper", $"motion:{motionId}", $"unit {unitId}, scan {scan}");
        return receipt;
    }

    /// <summary>Whether any of these voters has a paper ballot on the motion (then an online ballot is refused).</summary>
    public static async Task<bool> HasPaperBallotAsync(WriteScope scope, long motionId, IReadOnlyList<string> voterKeys) =>
        voterKeys.Count > 0 && (await scope.QueryAsync<string>("SELECT voter_key FROM paper_ballots WHERE community_id = @Id AND motion_id = @motionId",
            new { scope.Community.Id, motionId })).Any(voterKeys.Contains);

    /// <summary>How many voters took part by each channel (a voter's ballots are all of one channel).</summary>
    public static async Task<ChannelCounts> ChannelsAsync(ReadScope read, long communityId, long motionId)
    {
        var voted = await read.QuerySingleAsync<long>(
            "SELECT COUNT(DISTINCT voter_key) FROM ballots WHERE community_id = @communityId AND motion_id = @motionId", new { communityId, motionId });
        var paper = await read.QuerySingleAsync<long>(
            "SELECT COUNT(*) FROM paper_ballots WHERE community_id = @communityId AND motion_id = @motionId", new { communityId, motionId });
        return new ChannelCounts(voted - paper, paper);
    }

    public Task<ChannelCounts> ChannelsAsync(long communityId, long motionId) =>
        db.ReadAsync(read => ChannelsAsync(read, communityId, motionId));

    /// <returns>The motion's paper ballots, or null when the community has no such motion.</returns>
    public async Task<IReadOnlyList<PaperBallotView>?> PaperBallotsAsync(long communityId, long motionId)
    {
        await using var connection = await db.OpenAsync();
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM motions WHERE community_id = @communityId AND id = @motionId",
                new { communityId, motionId }) == 0)
            return null;
        return (await connection.QueryAsync<(long BallotId, long UnitId, string Building, string Number, string Scan, long RecordedBy, string RecordedAt)>("""
            SELECT p.ballot_id, p.unit_id, u.building, u.number, p.scan_sha256, p.recorded_by, p.recorded_at
            FROM paper_ballots p JOIN units u ON u.community_id = p.community_id AND u.id = p.unit_id
            WHERE p.community_id = @communityId AND p.motion_id = @motionId ORDER BY p.ballot_id
            """, new { communityId, motionId }))
            .Select(r => new PaperBallotView(r.BallotId, r.UnitId, $"{r.Building}-{r.Number}", r.Scan, r.RecordedBy, r.RecordedAt)).ToList();
    }

    /// <summary>
    /// Adds to a passed motion's implementation record. Fails with: not_found, motion_not_passed (409),
    /// unknown_attachment.
    /// </summary>
    public async Task<Result<FollowUpView>> FollowUpAsync(WriteScope scope, long motionId, string status, string note, IReadOnlyList<string> attachments, string role)
    {
        var c = scope.Community.Id;
        var advanced = await motions.AdvanceAsync(scope, motionId);
        if (advanced is null) return Failure.NotFound($"Motion {motionId}");
        var motion = await motions.GetAsync(scope, c, motionId, scope.Now);
        if (motion is not { Status: "closed", Result.Passed: true })
            return Failure.Conflict(DecisionCodes.MotionNotPassed, $"Motion {motionId} has not passed: only a passed motion is implemented.");
        foreach (var sha in attachments.Distinct())
            if (await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM attachments WHERE community_id = @c AND sha256 = @sha", new { c, sha }) == 0)
                return new Failure(Codes.UnknownAttachment, $"Attachment {sha} was not uploaded to this community.");
        var at = Dates.Instant(scope.Now);
        var id = await scope.QuerySingleAsync<long>("""
            INSERT INTO motion_follow_ups (community_id, motion_id, status, note, role, created_by, created_at) VALUES (@c, @motionId, @status, @note, @role, @UserId, @at) RETURNING id
            """, new { c, motionId, status, note, role, UserId = scope.UserId!.Value, at });
        await scope.ExecuteAsync("INSERT INTO motion_follow_up_attachments (community_id, follow_up_id, sha256) VALUES (@c, @id, @sha)",
            attachments.Distinct().Select(sha => new { c, id, sha }));
        await scope.AuditAsync("motion.follow_up", $"motion:{motionId}", $"{status}: {note}");
        return new FollowUpView(id, status, note, role, at, attachments.Distinct().ToList());
    }

    public static async Task<IReadOnlyList<FollowUpView>> FollowUpsAsync(ReadScope read, long communityId, long motionId)
    {
        var rows = (await read.QueryAsync<(long Id, string Status, string Note, string Role, string CreatedAt)>("""
            SELECT id, status, note, role, created_at FROM motion_follow_ups WHERE community_id = @communityId AND motion_id = @motionId ORDER BY id
            """, new { communityId, motionId })).ToList();
        if (rows.Count == 0) return [];
        var files = (await read.QueryAsync<(long FollowUpId, string Sha256)>("""
            SELECT a.follow_up_id, a.sha256 FROM motion_follow_up_attachments a
            JOIN motion_follow_ups f ON f.community_id = a.community_id AND f.id = a.follow_up_id
            WHERE f.community_id = @communityId AND f.motion_id = @motionId ORDER BY a.sha256
            """, new { communityId, motionId })).ToLookup(f => f.FollowUpId, f => f.Sha256);
        return rows.Select(r => new FollowUpView(r.Id, r.Status, r.Note, r.Role, r.CreatedAt, files[r.Id].ToList())).ToList();
    }

    /// <summary>What a motion's result adds: ballots by channel and the follow-up record.</summary>
    public Task<(ChannelCounts Channels, IReadOnlyList<FollowUpView> FollowUps)> ExtrasAsync(long communityId, long motionId) =>
        db.ReadAsync(async read => (await ChannelsAsync(read, communityId, motionId), await FollowUpsAsync(read, communityId, motionId)));
}
