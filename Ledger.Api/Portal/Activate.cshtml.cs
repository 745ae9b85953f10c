using Ledger.Api.Identity;
using Ledger.Api.Infrastructure;
using Ledger.Api.Register;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Portal;

/// <summary>An owner's invitation becomes a login bound to the invitation's units, then a signed-in session.</summary>
[EnableRateLimiting(IdentityEndpoints.LoginRateLimit)]
public sealed class ActivateModel(RegisterBook register, IdentityBook identity, IOptions<LedgerOptions> options) : PortalPage
{
    protected override bool AllowAnonymous => true;

    public string? InvitationCode { get; private set; }
    public string? Login { get; private set; }

    public void OnGet(string? code) => InvitationCode = code;

    public async Task<IActionResult> OnPostAsync([FromForm] string? invitationCode, [FromForm] string? login, [FromForm] string? password)
    {
        InvitationCode = invitationCode;
        Login = login;
        var request = new ActivateRequest(invitationCode?.Trim(), login?.Trim(), password);
        if (!await ValidAsync(request)) return Page();
        var created = await register.ActivateAsync(request.InvitationCode!, request.Login!, request.Password!);
        if (!created.Ok) { Fail(created.Failure!); return Page(); }
        var session = await identity.LoginAsync(created.Value!.Login, password!, TimeSpan.FromHours(options.Value.Auth.TokenHours));
        if (!session.Ok) { Fail(session.Failure!); return Page(); }
        PortalCookieHandler.Issue(Response, session.Value!);
        return SeeOther("/app");
    }
}
