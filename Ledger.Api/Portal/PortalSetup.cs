using Ledger.Api.Identity;
using Ledger.Domain.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;

namespace Ledger.Api.Portal;

/// <summary>The people's portal at <c>/app</c>: Razor Pages rendered on the server, no scripts.</summary>
public static class PortalSetup
{
    /// <summary>
    /// A strict policy like the public pages', except that forms may post back to this site.
    /// No script may run, nothing comes from elsewhere, and no other site may frame a page.
    /// </summary>
    public const string Csp = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Portal";
            o.Conventions.ConfigureFilter(new Microsoft.AspNetCore.Mvc.AutoValidateAntiforgeryTokenAttribute());
            o.Conventions.ConfigureFilter(new FormRefusedPage());
        });
        // Razor encodes only ASCII by default; pages in Chinese should carry Chinese, not entities.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ledger_af";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__RequestVerificationToken";
        });
        // Bearer for the API, the portal cookie for pages: one policy scheme picks per request, so
        // anything that reads HttpContext.User (the jobs dashboard) sees a portal sign-in.
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = PortalAuthentication.SchemeName;
                o.DefaultAuthenticateScheme = PortalAuthentication.SchemeName;
                o.DefaultChallengeScheme = PortalAuthentication.SchemeName;
                o.DefaultForbidScheme = PortalAuthentication.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, PortalCookieHandler>(PortalCookieHandler.SchemeName, null)
            .AddPolicyScheme(PortalAuthentication.SchemeName, "Bearer token or portal cookie", o => o.ForwardDefaultSelector = PortalAuthentication.Select);
        return builder;
    }

    public static WebApplication MapPortal(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/app"), portal => portal.Use(async (http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                var h = http.Response.Headers;
                if (!h.ContainsKey("Content-Security-Policy")) h.ContentSecurityPolicy = Csp;
                h.XFrameOptions = "DENY";
                // Signed-in pages hold one household's figures: never kept by a browser or a proxy.
                h.CacheControl = "no-store";
                h.Pragma = "no-cache";
                return Task.CompletedTask;
            });
            await next(http);
        }));
        app.MapRazorPages();
        return app;
    }
}

/// <summary>
/// A form refused by the antiforgery check (no token, another person's, or an expired one) gets the portal's page
/// with a sentence, as every other refusal does, instead of the framework's bare 400 (which the status-code pages
/// would answer as problem+json). Nothing ran: the check precedes the handler.
/// </summary>
internal sealed class FormRefusedPage : Microsoft.AspNetCore.Mvc.Filters.IAlwaysRunResultFilter
{
    public const string Code = "form_invalid";

    public void OnResultExecuting(Microsoft.AspNetCore.Mvc.Filters.ResultExecutingContext context)
    {
        if (context.Result is not Microsoft.AspNetCore.Mvc.Core.Infrastructure.IAntiforgeryValidationFailedResult) return;
        var http = context.HttpContext;
        var t = PortalTexts.For(http);
        // A form larger than the page takes (a spending request's files over 64 MB) cannot be read at all, token
        // included: say that, not that the form expired or came from elsewhere.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit && http.Request.ContentLength > limit)
        {
            context.Result = PortalHtml.Refusal(t, t["errorTitle"], Codes.PayloadTooLarge, t.Format("formTooLarge", limit / (1024 * 1024)),
                http.Request.Path.Value ?? "/app", StatusCodes.Status413PayloadTooLarge);
            return;
        }
        context.Result = PortalHtml.Refusal(t, t["formInvalid"], Code, t["formInvalidWhy"], http.Request.Path.Value ?? "/app");
    }

    public void OnResultExecuted(Microsoft.AspNetCore.Mvc.Filters.ResultExecutedContext context) { }
}
