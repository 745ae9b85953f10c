using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Authentication;

namespace Ledger.Api.Infrastructure;

/// <summary>The community of the request and the caller's roles in it, set by <see cref="CommunityAccess"/>.</summary>
public sealed class CurrentCommunity
{
    private CommunityInfo? _community;

    public CommunityInfo Community => _community ?? throw new InvalidOperationException("No community resolved for this endpoint.");
    public long UserId { get; private set; }
    public IReadOnlyList<string> Roles { get; private set; } = [];

    public bool Has(params string[] roles) => Roles.Any(roles.Contains);

    internal void Set(CommunityInfo community, long userId, IReadOnlyList<string> roles)
    {
        _community = community;
        UserId = userId;
        Roles = roles;
    }
}

/// <summary>The route's community and the caller's roles in it, read with the bearer token (<see cref="TokenAuthenticationHandler"/>).</summary>
internal sealed record CommunityLookup(string Slug, long UserId, CommunityInfo? Community, IReadOnlyList<string> Roles);

/// <summary>Endpoint metadata: the roles (in the route's community) that may call it.</summary>
public sealed record AllowedRoles(string[] Roles);

public static class CommunityAccess
{
    /// <summary>Only callers holding one of <paramref name="roles"/> in the route's community get through.</summary>
    public static TBuilder Allow<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowedRoles(roles));

    /// <summary>
    /// For a read outside the members-only group ("public once closed"): whether the request's bearer token
    /// belongs to a user holding a role in the community. No token, a bad one, or no role: false.
    /// </summary>
    public static async Task<bool> IsMemberAsync(this HttpContext http, long communityId)
    {
        var result = await http.AuthenticateAsync(TokenAuthenticationHandler.SchemeName);
        return result.Succeeded
            && (await http.RequestServices.GetRequiredService<IdentityBook>().RolesAsync(communityId, result.Principal!.UserId())).Count > 0;
    }

    /// <summary>
    /// Resolves <c>{c}</c> and the caller's roles in it. A caller with no role there gets 404, as if the
    /// community did not exist (never reveal another community's data); a member without the
    /// endpoint's role gets 403. A platform admin holds no role inside unless granted one.
    /// </summary>
    public static RouteGroupBuilder MapCommunityGroup(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/communities/{c}").RequireAuthorization();
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var slug = http.GetRouteValue("c") as string ?? "";
            var userId = http.User.UserId();
            var (community, roles) = http.Items[typeof(CommunityLookup)] is CommunityLookup read && read.Slug == slug && read.UserId == userId
                ? (read.Community, read.Roles)
                : await http.RequestServices.GetRequiredService<CommunityBook>().FindWithRolesAsync(slug, userId);
            if (community is null) return Problems.NotFound("The community");
            var platformAdmin = http.User.IsPlatformAdmin();
            if (roles.Count == 0 && !platformAdmin) return Problems.NotFound("The community");
            var allowed = http.GetEndpoint()?.Metadata.GetMetadata<AllowedRoles>()?.Roles ?? [];
            var effective = platformAdmin ? roles.Append(Roles.PlatformAdmin).ToList() : roles;
            if (!effective.Any(allowed.Contains))
                return Problems.From(new Failure(Codes.Forbidden, $"This needs one of the roles: {string.Join(", ", allowed)}.", 403));
            http.RequestServices.GetRequiredService<CurrentCommunity>().Set(community, userId, roles);
            return await next(context);
        });
        return group;
    }
}
