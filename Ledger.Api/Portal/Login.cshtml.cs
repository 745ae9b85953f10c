using Ledger.Api.Identity;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Portal;

/// <summary>
/// Cookie sign-in with the API's own throttling (per address by the rate limiter, per login and address by
/// <see cref="LoginThrottle"/>) and its messages; the session is a row in the same sessions table.
/// </summary>
[EnableRateLimiting(IdentityEndpoints.LoginRateLimit)]
public sealed class LoginModel(LoginThrottle throttle) : PortalPage
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
        var (result, wait) = await throttle.SignInAsync(login!.Trim().ToLowerInvariant(), password!, HttpContext.Connection.RemoteIpAddress);
        if (wait is { } retry)
            Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!result.Ok) { Fail(result.Failure!); return Page(); }
        PortalCookieHandler.Issue(Response, result.Value!);
        return SeeOther(ReturnUrl);
    }
}
