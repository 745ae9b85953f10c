using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>The person's communities; with exactly one, straight to it.</summary>
public sealed class IndexModel(IdentityBook identity, CommunityBook communities) : PortalPage
{
    public IReadOnlyList<CommunityInfo> Communities { get; private set; } = [];
    public bool PlatformAdmin { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        PlatformAdmin = User.IsPlatformAdmin();
        var slugs = (await identity.MembershipsAsync(UserId)).Select(m => m.Community).Distinct().ToList();
        var list = new List<CommunityInfo>();
        foreach (var slug in slugs)
            if (await communities.FindAsync(slug) is { } c) list.Add(c);
        Communities = list;
        if (list.Count == 1 && !PlatformAdmin) return Redirect($"/app/{list[0].Slug}");
        return Page();
    }
}
