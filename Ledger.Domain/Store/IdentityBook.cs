using System.Security.Cryptography;
using System.Text;
using Dapper;
using Ledger.Domain.Model;
using NpgsqlTypes;

namespace Ledger.Domain.Store;

public sealed record User(long Id, string Login, string DisplayName, bool IsPlatformAdmin);

public sealed record Session(string Token, DateTimeOffset ExpiresAt, User User);

/// <summary>
/// Users, password hashes (<see cref="PasswordHash"/>, the format of ASP.NET Core Identity's PasswordHasher), opaque bearer tokens stored only as
/// their SHA-256, and roles per community.
/// </summary>
public sealed class IdentityBook(LedgerDatabase db, TimeProvider clock)
{
    /// <summary>A hash no password matches, verified for unknown logins so they cost what a wrong password costs.</summary>
    private static readonly string NobodysHash = PasswordHash.Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));

    private sealed class UserRow
    {
        public long Id { get; init; }
        public string Login { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string PasswordHash { get; init; } = "";
        public bool IsPlatformAdmin { get; init; }
        public User ToUser() => new(Id, Login, DisplayName, IsPlatformAdmin);
    }

    public static string HashPassword(string password) => PasswordHash.Hash(password);

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public async Task<long> CountUsersAsync()
    {
        await using var connection = await db.OpenAsync();
        return await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM users");
    }

    /// <summary>Fails with: login_taken (409).</summary>
    public async Task<Result<User>> CreateUserAsync(string login, string displayName, string password, bool platformAdmin = false)
    {
        await using var connection = await db.OpenAsync();
        var user = new User(0, login, displayName, platformAdmin);
        try
        {
            var id = await connection.QuerySingleAsync<long>("""
                INSERT INTO users (login, display_name, password_hash, is_platform_admin, created_at)
                VALUES (@login, @displayName, @Hash, @platformAdmin, @At) RETURNING id
                """, new { login, displayName, Hash = PasswordHash.Hash(password), platformAdmin, At = Dates.Instant(clock.GetUtcNow()) });
            return user with { Id = id };
        }
        catch (Exception e) when (db.Dialect.IsUniqueViolation(e))
        {
            return Failure.Conflict(Codes.LoginTaken, $"The login '{login}' is taken.");
        }
    }

    /// <summary>Checks the password and opens a session. Fails with: invalid_credentials (401).</summary>
    public async Task<Result<Session>> LoginAsync(string login, string password, TimeSpan lifetime)
    {
        await using var connection = await db.OpenAsync();
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(
            "SELECT id, login, display_name, password_hash, is_platform_admin FROM users WHERE login = @login", new { login });
        // The same work whether or not the login exists, so timing does not tell which accounts do.
        var verified = PasswordHash.Verify(row?.PasswordHash ?? NobodysHash, password);
        if (row is null || !verified)
            return new Failure(Codes.InvalidCredentials, "The login or the password is wrong.", 401);
        var token = Base64UrlToken();
        var now = clock.GetUtcNow();
        var expires = now + lifetime;
        await connection.ExecuteAsync("""
            INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (@Hash, @Id, @Now, @Expires)
            """, new { Hash = HashToken(token), row.Id, Now = Dates.Instant(now), Expires = Dates.Instant(expires) });
        return new Session(token, expires, row.ToUser());
    }

    public async Task<User?> AuthenticateAsync(string token)
    {
        await using var connection = await db.OpenAsync();
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>($"""
            SELECT u.id, u.login, u.display_name, u.password_hash, u.is_platform_admin
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE {LiveSession}
            """, LiveSessionArgs(token));
        return row?.ToUser();
    }

    /// <summary>The session whose token hashes to @Hash, neither revoked nor expired at @Now (<see cref="LiveSessionArgs"/>).</summary>
    private const string LiveSession = "s.token_hash = @Hash AND s.revoked_at IS NULL AND s.expires_at > @Now";

    private DynamicParameters LiveSessionArgs(string token, object? more = null)
    {
        var args = new DynamicParameters(more);
        args.Add("Hash", HashToken(token));
        args.Add("Now", Dates.Instant(clock.GetUtcNow()));
        return args;
    }

    private sealed class UserInCommunityRow : CommunityBook.RowWithRole
    {
        public long UserId { get; init; }
        public string Login { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public bool IsPlatformAdmin { get; init; }
    }

    /// <summary>
    /// <see cref="AuthenticateAsync"/> and <see cref="CommunityBook.FindWithRolesAsync"/> in one round trip, for
    /// a request addressed to the community <paramref name="slug"/>: the token's user, the community (null if
    /// there is none) and the user's roles in it. The same rows as the two reads, read together.
    /// </summary>
    public async Task<(User? User, CommunityInfo? Community, IReadOnlyList<string> Roles)> AuthenticateInAsync(string token, string slug)
    {
        List<UserInCommunityRow> rows;
        // PostgreSQL: with the sign-in reads of requests arriving meanwhile, in one round trip (ReadCombiner).
        if (db.Reads is { } reads)
            rows = await reads.ReadAsync(SignInPositional,
                [(HashToken(token), NpgsqlDbType.Text), (Dates.Instant(clock.GetUtcNow()), NpgsqlDbType.Text), (slug, NpgsqlDbType.Text)],
                async reader =>
                {
                    var parse = reader.GetRowParser<UserInCommunityRow>();
                    var list = new List<UserInCommunityRow>();
                    while (await reader.ReadAsync()) list.Add(parse(reader));
                    return list;
                });
        else
        {
            await using var connection = await db.OpenAsync();
            rows = (await connection.QueryAsync<UserInCommunityRow>(SignIn, LiveSessionArgs(token, new { slug }))).ToList();
        }
        if (rows.Count == 0) return (null, null, []);
        var (community, roles) = CommunityBook.WithRoles(rows);
        return (new User(rows[0].UserId, rows[0].Login, rows[0].DisplayName, rows[0].IsPlatformAdmin), community, roles);
    }

    private static readonly string SignIn = $"""
        SELECT u.id AS user_id, u.login, u.display_name, u.is_platform_admin, {CommunityBook.RowWithRoleColumns}
        FROM sessions s JOIN users u ON u.id = s.user_id
        LEFT JOIN communities c ON c.slug = @slug
        LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = u.id
        WHERE {LiveSession}
        ORDER BY m.role
        """;

    /// <summary><see cref="SignIn"/> with positional parameters, for a batch: $1 the token's hash, $2 now, $3 the slug.</summary>
    private static readonly string SignInPositional = SignIn.Replace("@Hash", "$1").Replace("@Now", "$2").Replace("@slug", "$3");

    public async Task RevokeAsync(string token)
    {
        await using var connection = await db.OpenAsync();
        await connection.ExecuteAsync("UPDATE sessions SET revoked_at = @Now WHERE token_hash = @Hash AND revoked_at IS NULL",
            new { Hash = HashToken(token), Now = Dates.Instant(clock.GetUtcNow()) });
    }

    public async Task<User?> FindUserAsync(long id)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QuerySingleOrDefaultAsync<UserRow>(
            "SELECT id, login, display_name, password_hash, is_platform_admin FROM users WHERE id = @id", new { id }))?.ToUser();
    }

    /// <summary>
    /// Whether a community admin of <paramref name="communityId"/> may set <paramref name="userId"/>'s roles there: the user
    /// holds a role in this community or is bound to one of its owners, or is an account nobody has placed anywhere yet (not a platform admin, holding and
    /// never granted a role in another community, bound to no owner elsewhere: as <c>POST /users</c> leaves it). Anyone
    /// else belongs to another community or to the platform, and the caller must learn nothing about them, not even that
    /// they exist; a platform admin grants them.
    /// </summary>
    public async Task<bool> GrantableByCommunityAdminAsync(long communityId, long userId)
    {
        await using var connection = await db.OpenAsync();
        return await connection.QuerySingleAsync<long>("""
            SELECT COUNT(*) FROM users u WHERE u.id = @userId AND (
                EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = @communityId AND m.user_id = u.id)
                OR EXISTS (SELECT 1 FROM owner_users o WHERE o.community_id = @communityId AND o.user_id = u.id) -- one of our owners, whatever roles they hold now
                OR (u.is_platform_admin = @No
                    AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)
                    AND NOT EXISTS (SELECT 1 FROM owner_users o WHERE o.user_id = u.id)
                    AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'role_granted' AND a.subject = @Subject AND a.community_id <> @communityId)))
            """, new { communityId, userId, No = false, Subject = $"user:{userId}" }) > 0;
    }

    public async Task<IReadOnlyList<string>> RolesAsync(long communityId, long userId)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<string>(
            "SELECT role FROM memberships WHERE community_id = @communityId AND user_id = @userId ORDER BY role",
            new { communityId, userId })).ToList();
    }

    public sealed record Membership(string Community, string Role);

    public async Task<IReadOnlyList<Membership>> MembershipsAsync(long userId)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<(string Slug, string Role)>("""
            SELECT c.slug, m.role FROM memberships m JOIN communities c ON c.id = m.community_id
            WHERE m.user_id = @userId ORDER BY c.slug, m.role
            """, new { userId })).Select(r => new Membership(r.Slug, r.Role)).ToList();
    }

    /// <summary>
    /// Replaces the user's roles in the community with <paramref name="roles"/> (empty removes the member).
    /// A role kept keeps its date; each grant and each removal is written to the audit trail in the same
    /// transaction, naming who did it (<paramref name="actorId"/>, null for the service itself) and from where.
    /// </summary>
    public async Task SetRolesAsync(long communityId, long userId, IReadOnlyCollection<string> roles, long? actorId = null, string? address = null)
    {
        await using var connection = await db.OpenAsync();
        await using var tx = await db.BeginWriteAsync(connection);
        var held = (await connection.QueryAsync<string>(
            "SELECT role FROM memberships WHERE community_id = @communityId AND user_id = @userId", new { communityId, userId }, tx)).ToHashSet(StringComparer.Ordinal);
        var wanted = roles.ToHashSet(StringComparer.Ordinal);
        var removed = held.Where(r => !wanted.Contains(r)).Order(StringComparer.Ordinal).ToList();
        var granted = wanted.Where(r => !held.Contains(r)).Order(StringComparer.Ordinal).ToList();
        var at = Dates.Instant(clock.GetUtcNow());
        await connection.ExecuteAsync("DELETE FROM memberships WHERE community_id = @communityId AND user_id = @userId AND role = @Role",
            removed.Select(role => new { communityId, userId, Role = role }), tx);
        await connection.ExecuteAsync("INSERT INTO memberships (community_id, user_id, role, granted_at) VALUES (@communityId, @userId, @Role, @at)",
            granted.Select(role => new { communityId, userId, Role = role, at }), tx);
        await connection.ExecuteAsync("""
            INSERT INTO audit_log (community_id, user_id, action, subject, detail, address, at) VALUES (@communityId, @actorId, @Action, @Subject, @Role, @address, @at)
            """, removed.Select(role => (Action: "role_removed", Role: role)).Concat(granted.Select(role => (Action: "role_granted", Role: role)))
                .Select(x => new { communityId, actorId, x.Action, Subject = $"user:{userId}", x.Role, address, at }), tx);
        await tx.CommitAsync();
    }

    public sealed record RoleHolder(long UserId, string DisplayName, string Role, string? Since);

    /// <summary>Who holds each of <paramref name="roles"/> in the community, and since when (null: granted before dates were kept).</summary>
    public async Task<IReadOnlyList<RoleHolder>> HoldersAsync(long communityId, IReadOnlyCollection<string> roles)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<(long UserId, string DisplayName, string Role, string? Since)>($"""
            SELECT m.user_id, u.display_name, m.role, m.granted_at FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.community_id = @communityId AND {db.Dialect.InList("m.role", "@roles")}
            ORDER BY m.role, m.user_id
            """, new { communityId, roles = roles.ToArray() })).Select(r => new RoleHolder(r.UserId, r.DisplayName, r.Role, r.Since)).ToList();
    }

    private static string Base64UrlToken() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
