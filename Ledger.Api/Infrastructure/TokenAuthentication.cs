using System.Security.Claims;
using System.Text.Encodings.Web;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>Opaque bearer tokens: looked up by their SHA-256, refused once expired or revoked.</summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IdentityBook identity, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string PlatformAdminClaim = "platform_admin";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var token = header["Bearer ".Length..].Trim();
        if (token.Length is 0 or > 200) return AuthenticateResult.Fail("Malformed token.");
        User? user;
        // A request to a community's endpoint reads the token's user and its roles in that community in one
        // round trip; CommunityAccess takes them from here instead of reading them again.
        if (Context.GetRouteValue("c") is string slug)
        {
            (user, var community, var roles) = await identity.AuthenticateInAsync(token, slug);
            if (user is not null) Context.Items[typeof(CommunityLookup)] = new CommunityLookup(slug, user.Id, community, roles);
        }
        else user = await identity.AuthenticateAsync(token);
        if (user is null) return AuthenticateResult.Fail("Unknown, expired or revoked token.");
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Login),
        };
        if (user.IsPlatformAdmin) claims.Add(new Claim(PlatformAdminClaim, "true"));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Write(401, Codes.Unauthorized, "A valid bearer token is required.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Write(403, Codes.Forbidden, "Your roles do not allow this.");

    private async Task Write(int status, string code, string detail)
    {
        Response.StatusCode = status;
        if (status == 401) Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = status == 401 ? "Unauthorized" : "Forbidden", Detail = detail, Extensions = { ["code"] = code } },
        });
    }
}

public static class Principal
{
    public static long UserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsPlatformAdmin(this ClaimsPrincipal user) => user.HasClaim(TokenAuthenticationHandler.PlatformAdminClaim, "true");
}
