using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>Signing out revokes the session row itself: the cookie, and any bearer use of the same token, stop working.</summary>
public sealed class LogoutModel(IdentityBook identity) : PortalPage
{
    protected override bool AllowAnonymous => true;

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (Request.Cookies[PortalCookieHandler.CookieName] is { Length: > 0 and <= 200 } token) await identity.RevokeAsync(token);
        PortalCookieHandler.Clear(Response);
        return SeeOther("/app/login");
    }
}
