using Ledger.Api.Identity;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Portal;

/// <summary>
/// Cookie sign-in with the API's own throttling (per address by the rate limiter, per login by
/// <see cref="LoginThrottle"/>) and its messages; the session is a row in the same sessions table.
/// </summary>
[EnableRateLimiting(IdentityEndpoints.LoginRateLimit)]
public sealed class LoginModel(IdentityBook identity, LoginThrottle throttle, IOptions<LedgerOptions> options) : PortalPage
{
    protected override bool AllowAnonymous => true;

    public string? Login { get; private set; }
    public string ReturnUrl { get; private set; } = "/app";

    public void OnGet(string? returnUrl) => ReturnUrl = LocalOr(returnUrl, "/app");

    public async Task<IActionResult> OnPostAsync([FromForm] string? login, [FromForm] string? password, [FromForm] string? returnUrl)
    {
        ReturnUrl = LocalOr(returnUrl, "/app");
        Login = login;
        if (!await ValidAsync(new LoginRequest(login, password))) return Page();
        var name = login!.Trim().ToLowerInvariant();
        if (throttle.LockedFor(name) is { } wait)
        {
            Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Fail(new Failure(Codes.TooManyRequests, "Too many failed logins for this account; try again later.", 429));
            return Page();
        }
        var result = await identity.LoginAsync(name, password!, TimeSpan.FromHours(options.Value.Auth.TokenHours));
        if (!result.Ok)
        {
            throttle.Failed(name);
            Fail(result.Failure!);
            return Page();
        }
        throttle.Succeeded(name);
        PortalCookieHandler.Issue(Response, result.Value!);
        return SeeOther(ReturnUrl);
    }
}
