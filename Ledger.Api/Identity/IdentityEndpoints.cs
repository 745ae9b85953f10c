using System.Collections.Concurrent;
using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Identity;

public sealed record LoginRequest(string? Login, string? Password);
public sealed record UserDto(long Id, string Login, string DisplayName, bool PlatformAdmin);
/// <summary>A session; <c>expiresAt</c> an instant as every other the API sends (<see cref="Dates.Instant"/>).</summary>
public sealed record LoginResponse(string Token, string ExpiresAt, UserDto User);
public sealed record CreateUserRequest(string? Login, string? DisplayName, string? Password);
public sealed record SetRolesRequest(string[]? Roles);
public sealed record MembershipDto(string Community, IReadOnlyList<string> Roles);
public sealed record OwnedUnitDto(string Community, long UnitId, string Building, string Number);
public sealed record MeResponse(UserDto User, IReadOnlyList<MembershipDto> Communities, IReadOnlyList<OwnedUnitDto> Units);
public sealed record MemberDto(long UserId, string Community, IReadOnlyList<string> Roles);

public sealed class LoginValidator : AbstractValidator<LoginRequest>
{
    public LoginValidator()
    {
        RuleFor(r => r.Login).NotEmpty().MaximumLength(64);
        RuleFor(r => r.Password).NotEmpty().MaximumLength(200);
    }
}

public sealed class CreateUserValidator : AbstractValidator<CreateUserRequest>
{
    public CreateUserValidator()
    {
        RuleFor(r => r.Login).NotEmpty().Matches("^[a-z0-9._@-]{3,64}$").WithMessage("3-64 of a-z, 0-9, '.', '_', '@', '-'.");
        RuleFor(r => r.DisplayName).Text(100);
        RuleFor(r => r.Password).NotEmpty().MaximumLength(200)
            .Must(p => PasswordPolicy.Problem(p) is null).WithMessage((_, p) => PasswordPolicy.Problem(p) ?? "");
    }
}

public sealed class SetRolesValidator : AbstractValidator<SetRolesRequest>
{
    public SetRolesValidator()
    {
        RuleFor(r => r.Roles).NotNull();
        RuleForEach(r => r.Roles).Must(r => Roles.Community.Contains(r)).WithMessage($"One of: {string.Join(", ", Roles.Community)}.");
    }
}

/// <summary>
/// Counts failed logins per login name and client address, in memory, per instance: after too many
/// that address may not try that login for a while, even with the right password. Keyed by the address
/// too, so nobody can lock a person (the platform admin included) out of their own account from
/// elsewhere; the address-wide limit (the framework's rate limiter) slows guessing across logins.
/// </summary>
public sealed class LoginThrottle(IdentityBook identity, IOptions<LedgerOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Since)> _failures = new(StringComparer.Ordinal);

    /// <summary>
    /// The one sign-in of the API and the portal: refused while this login is locked from this address
    /// (429 <c>too_many_requests</c>, with how long), else a session, counting the failure or clearing the count.
    /// </summary>
    public async Task<(Result<Session> Result, TimeSpan? RetryAfter)> SignInAsync(string login, string password, System.Net.IPAddress? address)
    {
        var key = $"{login}\n{address}";
        if (LockedFor(key) is { } wait)
            return (new Failure(Codes.TooManyRequests, "Too many failed logins for this account from this address; try again later.", 429), wait);
        var result = await identity.LoginAsync(login, password, TimeSpan.FromHours(options.Value.Auth.TokenHours));
        if (result.Ok) Succeeded(key); else Failed(key);
        return (result, null);
    }

    public TimeSpan? LockedFor(string login)
    {
        if (!_failures.TryGetValue(login, out var f)) return null;
        var window = TimeSpan.FromMinutes(options.Value.Auth.LockoutMinutes);
        var left = f.Since + window - clock.GetUtcNow();
        if (left <= TimeSpan.Zero) { _failures.TryRemove(login, out _); return null; }
        return f.Failures >= options.Value.Auth.FailuresPerLogin ? left : null;
    }

    public void Failed(string login) =>
        _failures.AddOrUpdate(login, _ => (1, clock.GetUtcNow()), (_, f) => (f.Failures + 1, f.Since));

    public void Succeeded(string login) => _failures.TryRemove(login, out _);
}

public static class IdentityEndpoints
{
    public const string LoginRateLimit = "login";

    /// <summary>Signing in and managing users: the request validators.</summary>
    public static IServiceCollection AddIdentity(this IServiceCollection services)
    {
        services.AddSingleton<IValidator<LoginRequest>, LoginValidator>();
        services.AddSingleton<IValidator<CreateUserRequest>, CreateUserValidator>();
        services.AddSingleton<IValidator<SetRolesRequest>, SetRolesValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/v1/auth").WithTags("Identity");
        auth.MapPost("/login", Login).Validate<LoginRequest>().RequireRateLimiting(LoginRateLimit).AllowAnonymous();
        auth.MapPost("/logout", Logout).RequireAuthorization();

        var api = app.MapGroup("/api/v1").WithTags("Identity").RequireAuthorization();
        api.MapGet("/me", Me);
        api.MapPost("/users", CreateUser).Validate<CreateUserRequest>();

        app.MapCommunityGroup().WithTags("Identity")
            .MapPut("/members/{userId:long}", SetRoles).Validate<SetRolesRequest>()
            .Allow(Roles.PlatformAdmin, Roles.CommunityAdmin);
        return app;
    }

    public static UserDto ToDto(this User u) => new(u.Id, u.Login, u.DisplayName, u.IsPlatformAdmin);

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> Login(
        LoginRequest request, LoginThrottle throttle, HttpContext http)
    {
        var (result, wait) = await throttle.SignInAsync(request.Login!.Trim().ToLowerInvariant(), request.Password!, http.Connection.RemoteIpAddress);
        if (wait is { } retry)
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!result.Ok) return Problems.From(result.Failure!);
        var session = result.Value!;
        return TypedResults.Ok(new LoginResponse(session.Token, Dates.Instant(session.ExpiresAt), session.User.ToDto()));
    }

    private static async Task<NoContent> Logout(HttpContext http, IdentityBook identity)
    {
        var token = http.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        await identity.RevokeAsync(token);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> Me(HttpContext http, IdentityBook identity, RegisterBook register)
    {
        var user = await identity.FindUserAsync(http.User.UserId());
        if (user is null) return Problems.NotFound("The user");
        var memberships = (await identity.MembershipsAsync(user.Id))
            .GroupBy(m => m.Community)
            .Select(g => new MembershipDto(g.Key, g.Select(m => m.Role).ToList()))
            .ToList();
        var units = (await register.OwnedUnitsOfUserAsync(user.Id)).Select(u => new OwnedUnitDto(u.Community, u.UnitId, u.Building, u.Number)).ToList();
        return TypedResults.Ok(new MeResponse(user.ToDto(), memberships, units));
    }

    /// <summary>Platform admins and community admins create staff, supervisor and committee accounts.</summary>
    private static async Task<Results<Created<UserDto>, ProblemHttpResult>> CreateUser(
        CreateUserRequest request, HttpContext http, IdentityBook identity)
    {
        if (!http.User.IsPlatformAdmin())
        {
            var memberships = await identity.MembershipsAsync(http.User.UserId());
            if (!memberships.Any(m => m.Role == Roles.CommunityAdmin))
                return Problems.From(new Failure(Codes.Forbidden, "Only a platform admin or a community admin creates users.", 403));
        }
        var result = await identity.CreateUserAsync(request.Login!, request.DisplayName!.Trim(), request.Password!);
        if (!result.Ok) return Problems.From(result.Failure!);
        return TypedResults.Created($"/api/v1/users/{result.Value!.Id}", result.Value.ToDto());
    }

    private static async Task<Results<Ok<MemberDto>, ProblemHttpResult>> SetRoles(
        long userId, SetRolesRequest request, HttpContext http, CurrentCommunity current, IdentityBook identity)
    {
        // A community admin grants only to their own community's members and to accounts nobody has placed yet; anyone else
        // answers exactly as a user who does not exist, so no admin learns who works for, or lives in, another community.
        var known = http.User.IsPlatformAdmin()
            ? await identity.FindUserAsync(userId) is not null
            : await identity.GrantableByCommunityAdminAsync(current.Community.Id, userId);
        if (!known) return Problems.From(new Failure(Codes.UnknownUser, $"User {userId} does not exist.", 404));
        var roles = request.Roles!.Distinct().Order(StringComparer.Ordinal).ToList();
        await identity.SetRolesAsync(current.Community.Id, userId, roles, current.UserId, http.Connection.RemoteIpAddress?.ToString());
        return TypedResults.Ok(new MemberDto(userId, current.Community.Slug, roles));
    }
}
