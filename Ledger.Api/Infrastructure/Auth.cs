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

    /// <summary>
    /// Authentication, except where it can only answer "anonymous": a public page (<c>/p</c>, <c>/embed</c>)
    /// asked without an Authorization header and without a cookie. The handlers would return no result for
    /// it, so <c>HttpContext.User</c> is the same empty principal either way; skipping them saves creating
    /// two handlers per hit of a cached page. Any request that carries credentials is authenticated as before.
    /// </summary>
    public static IApplicationBuilder UseLedgerAuthentication(this IApplicationBuilder app)
    {
        var schemes = app.ApplicationServices.GetRequiredService<Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider>();
        // WebApplication adds its own UseAuthentication() unless the pipeline already has one (this key, set by
        // UseAuthentication itself); this middleware is that one.
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        return app.Use(next =>
        {
            var authenticate = new Microsoft.AspNetCore.Authentication.AuthenticationMiddleware(next, schemes);
            return http => IsAnonymousPublicRead(http.Request) ? next(http) : authenticate.Invoke(http);
        });
    }

    /// <summary>A GET or HEAD of a public page with no credential of any kind.</summary>
    internal static bool IsAnonymousPublicRead(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.Headers.Authorization.Count == 0 && request.Headers.Cookie.Count == 0
        && (request.Path.StartsWithSegments("/p") || request.Path.StartsWithSegments("/embed"));
}
