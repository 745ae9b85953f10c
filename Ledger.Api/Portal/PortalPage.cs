using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Portal;

/// <summary>
/// What every portal page shares: the language, the signed-in person, and for pages under
/// <c>/app/{c}</c> the community and the person's roles in it, resolved as the API resolves them
/// (no role there: 404, as if the community did not exist; the wrong role: 403).
/// Writes go through <see cref="CommunityWriter"/> like the API's, with an idempotency key.
/// </summary>
public abstract class PortalPage : PageModel
{
    public PortalTexts T { get; private set; } = PortalTexts.Zh;
    public CommunityInfo? Community { get; private set; }

    /// <summary>The service clock: statuses that follow from it (expired, opened, closed) are derived at read time.</summary>
    protected DateTimeOffset Now => HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
    public IReadOnlyList<string> MyRoles { get; private set; } = [];

    /// <summary>A rule's or a form's failure, shown as a sentence in an element with role="alert".</summary>
    public string? Error { get; set; }
    public string? ErrorCode { get; set; }

    /// <summary>The outcome of the last POST, carried across its 303 redirect.</summary>
    public string? Notice { get; set; }

    /// <summary>What the last POST left for the page it redirected to (read once, then gone).</summary>
    protected IReadOnlyDictionary<string, string> Flashed { get; private set; } = new Dictionary<string, string>();
    private readonly Dictionary<string, string> _flash = [];

    private const string FlashCookie = "ledger_flash";

    /// <summary>Carries a value across the 303 redirect in an encrypted, HttpOnly cookie read once.</summary>
    protected void Flash(string key, string value) => _flash[key] = value;

    /// <summary>A fresh key per rendered form: the same form sent twice has one effect.</summary>
    public string FormId { get; } = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Pages anyone may open (sign-in, activation).</summary>
    protected virtual bool AllowAnonymous => false;

    /// <summary>The roles that may open this page in its community; empty means any member.</summary>
    protected virtual string[] PageRoles => [];

    public long UserId => User.UserId();
    public bool Has(params string[] roles) => MyRoles.Any(roles.Contains);
    public string C => Community?.Slug ?? "";

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        T = PortalTexts.For(HttpContext);
        if (context.HandlerMethod is null && !HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method))
        {
            // A POST to a page without that form (or a made-up ?handler=) would render the page with nothing loaded.
            Response.Headers.Allow = "GET, HEAD";
            context.Result = StatusPage(405);
            return;
        }
        // The API's text rule for every field a form sends (the JSON guard never sees a form): no control characters or
        // bidirectional overrides, line breaks in multi-line fields only. Refused before any handler runs.
        if (Request.HasFormContentType)
            foreach (var (field, values) in Request.Form)
                if (values.Select(v => TextGuard.Problem(v ?? "", TextGuard.IsMultiLine(field))).FirstOrDefault(p => p is not null) is { } problem)
                {
                    context.Result = PortalHtml.Refusal(T, T["textRefused"], Codes.ValidationFailed, T.FieldSentence(LabelOf(field), problem), Request.Path.Value ?? "/app");
                    return;
                }
        var protector = HttpContext.RequestServices.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>().CreateProtector("Ledger.Portal.Flash");
        if (Request.Cookies[FlashCookie] is { Length: > 0 } sealedFlash)
        {
            try { Flashed = JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(sealedFlash)) ?? []; }
            catch (System.Security.Cryptography.CryptographicException) { /* a stale or forged cookie carries nothing */ }
            catch (JsonException) { }
            Response.Cookies.Delete(FlashCookie, new CookieOptions { Path = "/app" });
            if (Flashed.TryGetValue("notice", out var notice)) Notice = notice;
        }
        if (!AllowAnonymous)
        {
            if (User.Identity?.IsAuthenticated != true)
            {
                context.Result = new RedirectResult("/app/login?returnUrl=" + Uri.EscapeDataString(Request.Path + Request.QueryString));
                return;
            }
            if (RouteData.Values["c"] is string slug)
            {
                var (community, roles) = await HttpContext.RequestServices.GetRequiredService<CommunityBook>().FindWithRolesAsync(slug, UserId);
                if (community is null || roles.Count == 0) { context.Result = StatusPage(404); return; }
                Community = community;
                MyRoles = roles;
                if (PageRoles.Length > 0 && !Has(PageRoles)) { context.Result = StatusPage(403); return; }
            }
        }
        await next();
    }

    /// <summary>A 404 or 403 page in the portal's look (the API answers the same statuses).</summary>
    public ContentResult StatusPage(int status)
    {
        return new ContentResult { StatusCode = status, ContentType = "text/html; charset=utf-8", Content = PortalHtml.StatusDocument(T, status, Request.Path) };
    }

    protected void Fail(Failure failure)
    {
        Error = T.Sentence(failure);
        ErrorCode = failure.Code;
        Response.StatusCode = failure.Status;
    }

    protected void Fail(string code, string sentence, int status = 400)
    {
        Error = sentence;
        ErrorCode = code;
        Response.StatusCode = status;
    }

    /// <summary>
    /// The idempotency key of a form's write: its <c>formId</c>, which must have the API's key shape
    /// (<see cref="Writes.IsKey"/>; the pages write 22 characters). Null when it is missing or malformed, and
    /// <see cref="WriteAsync"/> then refuses the write: a form without its key would lose its protection against
    /// being sent twice. Forms keyed by a natural reference (a payment's, a bank reference) take none. Kept under the
    /// signed-in person, as the API keeps a caller's key (<see cref="IdempotencyClaim.OfCaller"/>).
    /// </summary>
    protected string? KeyOf(string? formId) => Writes.IsKey(formId) ? IdempotencyClaim.CallerKey(UserId, "portal:" + formId) : null;

    /// <summary>What a page's form labels a field when it differs from the portal's usual label (<see cref="PortalTexts.Label"/>).</summary>
    protected virtual IReadOnlyDictionary<string, string>? FieldLabels => null;

    /// <summary>A field's label on this page, or null for a field the page does not label.</summary>
    protected string? LabelOf(string field) => T.Label(field, FieldLabels);

    /// <summary>
    /// An amount typed in yuan (<see cref="Yuan.TryParseFen"/>: up to two decimals, commas only between groups of
    /// three), more than zero and no more than the API accepts (<see cref="EntryRules.MaxAmountFen"/>); otherwise the
    /// page's sentence (the validator's own for zero names its property, 'Amount' must be greater than '0').
    /// </summary>
    protected bool TryAmount(string? text, out long fen)
    {
        if (!Yuan.TryParseFen(text, out fen)) { Fail(Codes.ValidationFailed, T["amountFormat"]); return false; }
        if (fen <= 0) { Fail(Codes.ValidationFailed, T["amountNotPositive"]); return false; }
        if (fen <= EntryRules.MaxAmountFen) return true;
        Fail(Codes.ValidationFailed, T.Format("amountTooLarge", PortalHtml.Money(EntryRules.MaxAmountFen)));
        return false;
    }

    /// <summary>
    /// Runs one community write with an idempotency claim, as the API's <see cref="Writes"/> does:
    /// the same key and request replays the first result; the same key with another request is
    /// idempotency_key_reused. No key (<see cref="KeyOf"/>): form_invalid, nothing written.
    /// </summary>
    protected async Task<Result<T>> WriteAsync<T>(string? key, string fingerprint, Func<WriteScope, Task<Result<T>>> work, int status = 201)
    {
        if (key is null) return new Failure(FormRefusedPage.Code, this.T["formIdMissing"], StatusCodes.Status400BadRequest);
        var json = HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var writer = HttpContext.RequestServices.GetRequiredService<CommunityWriter>();
        var claim = new IdempotencyClaim(key, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint))));
        var outcome = await writer.RunAsync(Community!, UserId, claim, async scope =>
        {
            var result = await work(scope);
            if (!result.Ok) return result.Failure!;
            return new StoredResponse(status, JsonSerializer.Serialize(result.Value, json));
        }, HttpContext.RequestAborted, HttpContext.Connection.RemoteIpAddress?.ToString());
        return outcome switch
        {
            WriteOutcome.Done done => JsonSerializer.Deserialize<T>(done.Response.Body, json)!,
            WriteOutcome.Replayed replayed => JsonSerializer.Deserialize<T>(replayed.Response.Body, json)!,
            WriteOutcome.Failed failed => failed.Failure,
            _ => throw new InvalidOperationException("Unknown write outcome."),
        };
    }

    /// <summary>The fingerprint of a portal form: its path and its fields, so a replay must match.</summary>
    protected string Fingerprint(params string?[] fields) =>
        $"POST {Request.Path}\n{string.Join('\u001f', fields.Select(f => f ?? ""))}";

    /// <summary>Runs the API's own validator for a body and turns its first message into the page's error.</summary>
    protected async Task<bool> ValidAsync<TBody>(TBody body) where TBody : class
    {
        var validator = HttpContext.RequestServices.GetRequiredService<FluentValidation.IValidator<TBody>>();
        var result = await validator.ValidateAsync(body, HttpContext.RequestAborted);
        if (result.IsValid) return true;
        var first = result.Errors[0];
        var field = first.PropertyName.Length > 0 ? char.ToLowerInvariant(first.PropertyName[0]) + first.PropertyName[1..] : "";
        // "'Text' must not be empty." names the API's field; the page names its label.
        Fail(Codes.ValidationFailed, first.ErrorCode is "NotEmptyValidator" or "NotNullValidator" ? T.Missing(LabelOf(field)) : T.FieldSentence(LabelOf(field), first.ErrorMessage));
        return false;
    }

    /// <summary>
    /// What a form's write leads to: on success the notice and a 303 to <paramref name="then"/>; a subject that is not
    /// there, the 404 page (as the API answers); any other refusal becomes the page's sentence and null is returned,
    /// so the caller shows the form again.
    /// </summary>
    protected IActionResult? Outcome<T>(Result<T> result, Func<T, string> notice, string then)
    {
        if (result.Ok)
        {
            Notice = notice(result.Value!);
            return SeeOther(then);
        }
        if (result.Failure!.Status == 404) return StatusPage(404);
        Fail(result.Failure);
        return null;
    }

    /// <summary>After a successful POST: 303 to the page that shows the outcome.</summary>
    protected IActionResult SeeOther(string url)
    {
        if (Notice is not null) _flash["notice"] = Notice;
        if (_flash.Count > 0)
        {
            var protector = HttpContext.RequestServices.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>().CreateProtector("Ledger.Portal.Flash");
            Response.Cookies.Append(FlashCookie, protector.Protect(JsonSerializer.Serialize(_flash)), new CookieOptions
            {
                Path = "/app", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = Request.IsHttps, MaxAge = TimeSpan.FromMinutes(5),
            });
        }
        return new SeeOtherResult(url);
    }

    private sealed class SeeOtherResult(string url) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            context.HttpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.HttpContext.Response.Headers.Location = url;
            return Task.CompletedTask;
        }
    }

    /// <summary>A local return address only (no open redirect), fit for a Location header (<see cref="AsciiOnly"/>).</summary>
    protected static string LocalOr(string? url, string fallback) =>
        url is { Length: > 1 } && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? AsciiOnly(url) : fallback;

    /// <summary>
    /// A header takes ASCII only (Kestrel throws on anything else, which would be a 500 after the sign-in): a return
    /// address with Chinese or a full-width space in it is percent-encoded as UTF-8, the way a browser sends it.
    /// </summary>
    private static string AsciiOnly(string url)
    {
        if (url.All(ch => ch is > ' ' and < '\u007f')) return url;
        var ascii = new StringBuilder(url.Length * 3);
        foreach (var rune in url.EnumerateRunes())
            ascii.Append(rune.Value is > ' ' and < 0x7f ? rune.ToString() : Uri.EscapeDataString(rune.ToString()));
        return ascii.ToString();
    }
}
