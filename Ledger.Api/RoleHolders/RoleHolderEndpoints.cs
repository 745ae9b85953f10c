using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ledger.Api.RoleHolders;

/// <summary>One holder of a published role: the person's display name, the role, and since when (null: before dates were kept).</summary>
public sealed record RoleHolderDto(string DisplayName, string Role, string? Since);

/// <summary>
/// Who holds the trustee, supervisor, committee and community-admin roles of a community, and since when
/// (API.md, Accountability). Members read it here; anyone on <c>/p/{c}</c> and <c>/p/{c}/roles.json</c>.
/// Owners are never listed: their names are personal data.
/// </summary>
public static class RoleHolderEndpoints
{
    /// <summary>The roles that act on the owners' money or watch it; holding one is public.</summary>
    public static readonly string[] Published = [Roles.Trustee, Roles.TrusteeManager,
        Roles.Supervisor, Roles.Committee, Roles.CommunityAdmin];

    public static IEndpointRouteBuilder MapRoleHolders(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Accountability");
        group.MapGet("/roles", List).Allow(Roles.Community).Produces<Page<RoleHolderDto>>();
        app.MapGet("/p/{c}/roles.json", PublicList).AllowAnonymous().WithTags("Public").ExcludeFromDescription();
        return app;
    }

    public static async Task<IReadOnlyList<RoleHolderDto>> HoldersAsync(IdentityBook identity, long communityId) =>
        (await identity.HoldersAsync(communityId, Published)).Select(Shown).ToList();

    private static RoleHolderDto Shown(IdentityBook.RoleHolder h) => new(h.DisplayName, h.Role, h.Since);

    /// <summary>Paged by role and user id, the list's order (the cursor carries the user id; the items show only name, role and date).</summary>
    private static async Task<IResult> List(int? limit, string? after, CurrentCommunity current, IdentityBook identity) =>
        Paging.Slice(await identity.HoldersAsync(current.Community.Id, Published), limit, after, h => $"{h.Role},{Paging.Ascending(h.UserId)}", Shown);

    private static async Task<Results<Ok<Page<RoleHolderDto>>, ProblemHttpResult>> PublicList(string c, HttpContext http, CommunityBook communities, IdentityBook identity)
    {
        var community = await communities.FindAsync(c);
        if (community is null) return Problems.NotFound("The community");
        Public.PublicEndpoints.CachePublicly(http);
        return TypedResults.Ok(new Page<RoleHolderDto>(await HoldersAsync(identity, community.Id), null));
    }
}
