using System.Threading.RateLimiting;
using Ledger.Api.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>Who is asking: bearer tokens, roles, the current community, and the login rate limit.</summary>
public static class Auth
{
    public static IServiceCollection AddLedgerAuth(this IServiceCollection services)
    {
        services.AddSingleton<LoginThrottle>();
        services.AddScoped<CurrentCommunity>();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(IdentityEndpoints.LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<IOptions<LedgerOptions>>().Value.Auth.LoginPerAddressPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                }));
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too many requests", Detail = "Too many login attempts from this address; try again in a minute." },
                });
            };
        });
        return services;
    }
}
