using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record NewUnit(string Building, string Number, string Use, long AreaCentiM2, string AreaSource, bool Delivered);

public sealed record UnitView(long Id, string Building, string Number, string Use, long AreaCentiM2, string AreaSource, bool Delivered, IReadOnlyList<long> OwnerIds);

public sealed record OwnerView(long Id, string Name, string Kind, IReadOnlyList<long> UnitIds);

public sealed record ImportRow(NewUnit Unit, string? OwnerName, string? OwnerKind);

public sealed record Invitation(string Code, DateTimeOffset ExpiresAt);

/// <summary>The register: units, owners, who holds what, invitations and owners' logins, and trust terms.</summary>
public sealed class RegisterBook(LedgerDatabase db, TimeProvider clock)
{
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(14);

    private sealed class UnitRow
    {
        public long Id { get; init; }
        public string Building { get; init; } = "";
        public string Number { get; init; } = "";
        public string Use { get; init; } = "";
        public long AreaCentiM2 { get; init; }
        public string AreaSource { get; init; } = "";
        public bool Delivered { get; init; }
    }

    /// <summary>Adds units and, where a row names one, their owner (created once per name). All or nothing.</summary>
    public async Task<IReadOnlyList<long>> AddUnitsAsync(WriteScope scope, IReadOnlyList<ImportRow> rows)
    {
        var at = Dates.Instant(scope.Now);
        var ids = new List<long>(rows.Count);
        var owners = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var u = row.Unit;
            var unitId = await scope.QuerySingleAsync<long>("""
                INSERT INTO units (community_id, building, number, use, area_centi_m2, area_source, delivered, created_at)
                VALUES (@Id, @Building, @Number, @Use, @AreaCentiM2, @AreaSource, @Delivered, @at) RETURNING id
                """, new { scope.Community.Id, u.Building, u.Number, u.Use, u.AreaCentiM2, u.AreaSource, u.Delivered, at });
            ids.Add(unitId);
            if (row.OwnerName is { } name)
            {
                if (!owners.TryGetValue(name, out var ownerId))
                {
                    ownerId = await InsertOwnerAsync(scope, name, row.OwnerKind ?? OwnerKinds.Person);
                    owners[name] = ownerId;
                }
                await scope.ExecuteAsync("INSERT INTO unit_owners (community_id, unit_id, owner_id) VALUES (@Id, @unitId, @ownerId)",
                    new { scope.Community.Id, unitId, ownerId });
            }
        }
        return ids;
    }

    public async Task<HashSet<(string Building, string Number)>> ExistingUnitKeysAsync(long communityId)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<(string, string)>("SELECT building, number FROM units WHERE community_id = @communityId", new { communityId }))
            .ToHashSet();
    }

    public async Task<HashSet<(string Building, string Number)>> ExistingUnitKeysAsync(WriteScope scope) =>
        (await scope.QueryAsync<(string, string)>("SELECT building, number FROM units WHERE community_id = @Id", new { scope.Community.Id })).ToHashSet();

    private static Task<long> InsertOwnerAsync(WriteScope scope, string name, string kind) =>
        scope.QuerySingleAsync<long>("INSERT INTO owners (community_id, name, kind, created_at) VALUES (@Id, @name, @kind, @At) RETURNING id",
            new { scope.Community.Id, name, kind, At = Dates.Instant(scope.Now) });

    /// <summary>Creates an owner holding <paramref name="unitIds"/> (co-owners allowed). Fails with: unknown_unit.</summary>
    public async Task<Result<OwnerView>> AddOwnerAsync(WriteScope scope, string name, string kind, IReadOnlyList<long> unitIds)
    {
        var distinct = unitIds.Distinct().ToArray();
        if (distinct.Length > 0)
        {
            var known = (await scope.QueryAsync<long>("SELECT id FROM units WHERE community_id = @Id AND " + scope.Dialect.InList("id", "@distinct"),
                new { scope.Community.Id, distinct })).ToHashSet();
            if (distinct.FirstOrDefault(u => !known.Contains(u)) is var missing and not 0)
                return new Failure(Codes.UnknownUnit, $"Unit {missing} does not exist in this community.");
        }
        var ownerId = await InsertOwnerAsync(scope, name, kind);
        await scope.ExecuteAsync("INSERT INTO unit_owners (community_id, unit_id, owner_id) VALUES (@Id, @UnitId, @ownerId)",
            distinct.Select(u => new { scope.Community.Id, UnitId = u, ownerId }));
        return new OwnerView(ownerId, name, kind, distinct);
    }

    public Task<IReadOnlyList<UnitView>> UnitsAsync(long communityId, long afterId = 0, int limit = int.MaxValue) =>
        db.ReadAsync(read => UnitsAsync(read, communityId, afterId, limit));

    public static async Task<IReadOnlyList<UnitView>> UnitsAsync(ReadScope read, long communityId, long afterId = 0, int limit = int.MaxValue)
    {
        var units = (await read.QueryAsync<UnitRow>($"""
            SELECT id, building, number, use, area_centi_m2, area_source, delivered FROM units
            WHERE community_id = @communityId AND id > @afterId ORDER BY id LIMIT {Math.Min(limit, 1_000_000)}
            """, new { communityId, afterId })).ToList();
        var owners = (await read.QueryAsync<(long UnitId, long OwnerId)>(
            "SELECT unit_id, owner_id FROM unit_owners WHERE community_id = @communityId ORDER BY owner_id", new { communityId }))
            .ToLookup(r => r.UnitId, r => r.OwnerId);
        return units.Select(u => new UnitView(u.Id, u.Building, u.Number, u.Use, u.AreaCentiM2, u.AreaSource, u.Delivered, owners[u.Id].ToList())).ToList();
    }

    public async Task<OwnerView?> FindOwnerAsync(long communityId, long ownerId)
    {
        await using var connection = await db.OpenAsync();
        var owner = await connection.QueryOptionalAsync<(long Id, string Name, string Kind)>(
            "SELECT id, name, kind FROM owners WHERE community_id = @communityId AND id = @ownerId", new { communityId, ownerId });
        if (owner is not { } o) return null;
        var units = (await connection.QueryAsync<long>("SELECT unit_id FROM unit_owners WHERE community_id = @communityId AND owner_id = @ownerId ORDER BY unit_id",
            new { communityId, ownerId })).ToList();
        return new OwnerView(o.Id, o.Name, o.Kind, units);
    }

    /// <summary>
    /// The units a user may see as an owner: those their owner records hold, and for a developer's
    /// login also every unit that is unsold (no owner) or not yet delivered.
    /// </summary>
    public Task<IReadOnlyList<long>> OwnedUnitIdsAsync(long communityId, long userId) =>
        db.ReadAsync(read => OwnedUnitIdsAsync(read, communityId, userId));

    /// <inheritdoc cref="OwnedUnitIdsAsync(long, long)"/>
    public static async Task<IReadOnlyList<long>> OwnedUnitIdsAsync(ReadScope read, long communityId, long userId) =>
        (await read.QueryAsync<long>("""
            SELECT uo.unit_id FROM owner_users ou
            JOIN unit_owners uo ON uo.community_id = ou.community_id AND uo.owner_id = ou.owner_id
            WHERE ou.community_id = @communityId AND ou.user_id = @userId
            UNION
            SELECT u.id FROM units u
            WHERE u.community_id = @communityId
              AND EXISTS (SELECT 1 FROM owner_users ou JOIN owners o ON o.community_id = ou.community_id AND o.id = ou.owner_id
                          WHERE ou.community_id = @communityId AND ou.user_id = @userId AND o.kind = 'developer')
              AND (u.delivered = @No OR NOT EXISTS (SELECT 1 FROM unit_owners x WHERE x.community_id = u.community_id AND x.unit_id = u.id))
            ORDER BY 1
            """, new { communityId, userId, No = false })).ToList();

    public sealed record OwnedUnit(string Community, long UnitId, string Building, string Number);

    public async Task<IReadOnlyList<OwnedUnit>> OwnedUnitsOfUserAsync(long userId)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<(string Community, long UnitId, string Building, string Number)>("""
            SELECT c.slug AS community, u.id AS unit_id, u.building, u.number
            FROM owner_users ou
            JOIN unit_owners uo ON uo.community_id = ou.community_id AND uo.owner_id = ou.owner_id
            JOIN units u ON u.community_id = uo.community_id AND u.id = uo.unit_id
            JOIN communities c ON c.id = u.community_id
            WHERE ou.user_id = @userId ORDER BY c.slug, u.id
            """, new { userId })).Select(r => new OwnedUnit(r.Community, r.UnitId, r.Building, r.Number)).ToList();
    }

    /// <summary>A one-time code for the owner to activate a login. Fails with: not_found.</summary>
    public async Task<Result<Invitation>> InviteAsync(WriteScope scope, long ownerId)
    {
        var exists = await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM owners WHERE community_id = @Id AND id = @ownerId", new { scope.Community.Id, ownerId });
        if (exists == 0) return Failure.NotFound($"Owner {ownerId}");
        // 16 characters from an alphabet without look-alikes, grouped for reading aloud: 80 bits.
        const string alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
        var chars = RandomNumberGenerator.GetItems<char>(alphabet, 16);
        var code = $"{new string(chars, 0, 4)}-{new string(chars, 4, 4)}-{new string(chars, 8, 4)}-{new string(chars, 12, 4)}";
        var expires = scope.Now + InvitationLifetime;
        await scope.ExecuteAsync("""
            INSERT INTO invitations (code_hash, community_id, owner_id, created_at, expires_at) VALUES (@Hash, @Id, @ownerId, @At, @Expires)
            """, new { Hash = HashCode(code), scope.Community.Id, ownerId, At = Dates.Instant(scope.Now), Expires = Dates.Instant(expires) });
        return new Invitation(code, expires);
    }

    private static string HashCode(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim().ToUpperInvariant())));

    /// <summary>
    /// Creates an owner's login bound to the invitation's owner (and so to exactly their units), grants
    /// the owner role, and uses the code up. Fails with: invitation_invalid (unknown, used or
    /// expired: the three are not told apart), login_taken (409).
    /// </summary>
    public async Task<Result<User>> ActivateAsync(string code, string login, string password)
    {
        await using var connection = await db.OpenAsync();
        await using var tx = await db.BeginWriteAsync(connection);
        var now = Dates.Instant(clock.GetUtcNow());
        var invitation = await connection.QueryOptionalAsync<(long CommunityId, long OwnerId)>("""
            SELECT community_id, owner_id FROM invitations WHERE code_hash = @Hash AND used_at IS NULL AND expires_at > @now
            """, new { Hash = HashCode(code), now }, tx);
        if (invitation is not { } inv)
            return new Failure(Codes.InvitationInvalid, "This invitation code is unknown, used or expired.");
        long userId;
        try
        {
            userId = await connection.QuerySingleAsync<long>("""
                INSERT INTO users (login, display_name, password_hash, is_platform_admin, created_at)
                VALUES (@login, @login, @Hash, @No, @now) RETURNING id
                """, new { login, Hash = IdentityBook.HashPassword(password), No = false, now }, tx);
        }
        catch (Exception e) when (db.Dialect.IsUniqueViolation(e))
        {
            return Failure.Conflict(Codes.LoginTaken, $"The login '{login}' is taken.");
        }
        var used = await connection.ExecuteAsync(
            "UPDATE invitations SET used_at = @now, used_by = @userId WHERE code_hash = @Hash AND used_at IS NULL",
            new { now, userId, Hash = HashCode(code) }, tx);
        if (used != 1) return new Failure(Codes.InvitationInvalid, "This invitation code is unknown, used or expired.");
        await connection.ExecuteAsync("INSERT INTO owner_users (community_id, owner_id, user_id) VALUES (@CommunityId, @OwnerId, @userId)",
            new { inv.CommunityId, inv.OwnerId, userId }, tx);
        await connection.ExecuteAsync("""
            INSERT INTO memberships (community_id, user_id, role) VALUES (@CommunityId, @userId, 'owner') ON CONFLICT DO NOTHING
            """, new { inv.CommunityId, userId }, tx);
        await tx.CommitAsync();
        return new User(userId, login, login, false);
    }

    /// <summary>Stores a new version of the trust terms; the latest version governs what happens after it.</summary>
    public async Task<int> SetTrustTermsAsync(WriteScope scope, TrustTerms terms)
    {
        var version = await scope.QuerySingleAsync<long>("SELECT COALESCE(MAX(version), 0) + 1 FROM trust_terms WHERE community_id = @Id", new { scope.Community.Id });
        await scope.ExecuteAsync("""
            INSERT INTO trust_terms (community_id, version, document, created_at, created_by) VALUES (@Id, @version, @Document, @At, @UserId)
            """, new { scope.Community.Id, version, Document = JsonSerializer.Serialize(terms, TermsJson), At = Dates.Instant(scope.Now), scope.UserId });
        return (int)version;
    }

    private static readonly JsonSerializerOptions TermsJson = new(JsonSerializerDefaults.Web);

    /// <summary>The community's trust terms in force (the latest version), or null before any were set.</summary>
    public static async Task<(int Version, TrustTerms Terms)?> TrustTermsAsync(ReadScope read, long communityId)
    {
        var row = await read.QueryOptionalAsync<(long Version, string Document)>(
            "SELECT version, document FROM trust_terms WHERE community_id = @communityId ORDER BY version DESC LIMIT 1", new { communityId });
        return row is { } r ? ((int)r.Version, JsonSerializer.Deserialize<TrustTerms>(r.Document, TermsJson)!) : null;
    }

    public Task<(int Version, TrustTerms Terms)?> TrustTermsAsync(long communityId) => db.ReadAsync(read => TrustTermsAsync(read, communityId));

    /// <summary>The unit at a building and number (as staff find it when a payment arrives), or null.</summary>
    public Task<UnitView?> FindUnitAsync(long communityId, string building, string number) => db.ReadAsync(async read =>
    {
        (building, number) = (UnitLabels.Normalize(building), UnitLabels.Normalize(number));
        var id = await read.QueryOptionalAsync<long>(
            "SELECT id FROM units WHERE community_id = @communityId AND building = @building AND number = @number", new { communityId, building, number });
        if (id is not { } unitId) return null;
        var units = await UnitsAsync(read, communityId, unitId - 1, 1);
        return units.Count == 1 && units[0].Id == unitId ? units[0] : null;
    });

    /// <summary>The register's view of the community's units (or of one unit): area, delivery, owners, and the developer's owners.</summary>
    public static async Task<IReadOnlyList<RegisterUnit>> RegisterUnitsAsync(ReadScope read, long communityId, long? unitId = null)
    {
        var only = unitId is null ? "" : " AND id = @unitId";
        var units = (await read.QueryAsync<(long Id, long Area, bool Delivered)>(
            $"SELECT id, area_centi_m2, delivered FROM units WHERE community_id = @communityId{only} ORDER BY id", new { communityId, unitId })).ToList();
        var owners = (await read.QueryAsync<(long UnitId, long OwnerId)>(
            $"SELECT unit_id, owner_id FROM unit_owners WHERE community_id = @communityId{(unitId is null ? "" : " AND unit_id = @unitId")}", new { communityId, unitId }))
            .ToLookup(r => r.UnitId, r => r.OwnerId);
        var developers = (await read.QueryAsync<long>("SELECT id FROM owners WHERE community_id = @communityId AND kind = 'developer' ORDER BY id", new { communityId })).ToList();
        return units.Select(u => new RegisterUnit(u.Id, u.Area, u.Delivered, owners[u.Id].ToList(), developers)).ToList();
    }

    /// <summary>
    /// The voter register as it stands: one voter per distinct set of owners, the developer's unsold or
    /// undelivered units one voter (the same rule a motion snapshots when it opens).
    /// </summary>
    public static async Task<IReadOnlyList<Voter>> VotersAsync(ReadScope read, long communityId) =>
        VoterRegister.Build(await RegisterUnitsAsync(read, communityId));
}
