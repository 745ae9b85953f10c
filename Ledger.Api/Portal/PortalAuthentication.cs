using System.Security.Claims;
using System.Text.Encodings.Web;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Portal;

/// <summary>
/// The portal's sign-in: an HttpOnly, SameSite=Lax cookie that holds a session token from the same
/// <c>sessions</c> table as bearer tokens, so signing out, expiry and revocation end both alike.
/// </summary>
public sealed class PortalCookieHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IdentityBook identity)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PortalCookie";
    public const string CookieName = "ledger_session";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Request.Cookies[CookieName];
        if (string.IsNullOrEmpty(token)) return AuthenticateResult.NoResult();
        if (token.Length > 200) return AuthenticateResult.Fail("Malformed session cookie.");
        var user = await identity.AuthenticateAsync(token);
        if (user is null) return AuthenticateResult.Fail("Unknown, expired or revoked session.");
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Login),
            new("display_name", user.DisplayName),
        };
        if (user.IsPlatformAdmin) claims.Add(new Claim(TokenAuthenticationHandler.PlatformAdminClaim, "true"));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>A page that needs a person sends the browser to sign in, and back afterwards.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var back = Request.Path + Request.QueryString;
        Response.Redirect("/app/login?returnUrl=" + Uri.EscapeDataString(back));
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    public static void Issue(HttpResponse response, Session session) =>
        response.Cookies.Append(CookieName, session.Token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = response.HttpContext.Request.IsHttps,
            Path = "/",
            Expires = session.ExpiresAt,
            IsEssential = true,
        });

    public static void Clear(HttpResponse response) =>
        response.Cookies.Delete(CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = response.HttpContext.Request.IsHttps });
}

public static class PortalAuthentication
{
    /// <summary>The default scheme: picks bearer or cookie per request.</summary>
    public const string SchemeName = "LedgerAuto";

    /// <summary>
    /// A request with an Authorization header, or any request to the JSON API, is authenticated by
    /// bearer token only: the API never honours the cookie, so no other site can make a browser
    /// write through it. Everything else (the portal, the jobs dashboard) by the portal cookie.
    /// </summary>
    public static string Select(HttpContext http) =>
        http.Request.Headers.ContainsKey("Authorization") || http.Request.Path.StartsWithSegments("/api")
            ? TokenAuthenticationHandler.SchemeName
            : PortalCookieHandler.SchemeName;
}
