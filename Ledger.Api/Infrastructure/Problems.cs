using Ledger.Domain.Model;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Infrastructure;

/// <summary>Every error leaves as application/problem+json (RFC 9457) with a stable snake_case <c>code</c>.</summary>
public static class Problems
{
    /// <summary>Problem details for every error, 400 for unreadable bodies, and the JSON rules for money and ids.</summary>
    public static IServiceCollection AddProblems(this IServiceCollection services)
    {
        // Ahead of the default writer: problems on the pages people read are pages (HtmlProblemWriter).
        services.AddSingleton<IProblemDetailsWriter, HtmlProblemWriter>();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Customize);
        services.AddExceptionHandler<LedgerExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(o =>
        {
            // Money and ids are JSON numbers, never strings; absent optional fields are left out.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });
        return services;
    }

    public static ProblemHttpResult From(Failure failure) =>
        TypedResults.Problem(failure.Detail, statusCode: failure.Status, title: Title(failure.Status),
            type: $"https://ledger.example/problems/{failure.Code}",
            extensions: new Dictionary<string, object?> { ["code"] = failure.Code });

    public static ProblemHttpResult NotFound(string what) => From(Failure.NotFound(what));

    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid.",
            type: $"https://ledger.example/problems/{Codes.ValidationFailed}",
            extensions: new Dictionary<string, object?> { ["code"] = Codes.ValidationFailed });

    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    internal static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Business rule violated",
        429 => "Too many requests",
        >= 500 => "Internal error",
        _ => "Error",
    };

    /// <summary>A default code for problems the framework writes (status code pages, auth, binding).</summary>
    public static string DefaultCode(int? status) => status switch
    {
        400 => Codes.MalformedRequest,
        401 => Codes.Unauthorized,
        403 => Codes.Forbidden,
        404 => Codes.NotFound,
        405 => "method_not_allowed",
        409 => "conflict",
        413 => Codes.PayloadTooLarge,
        415 => Codes.UnsupportedMediaType,
        // A rule's 422 names its rule; one that names none (Hangfire's dashboard refusing a command with no job) says what it is.
        422 => "unprocessable_entity",
        429 => Codes.TooManyRequests,
        >= 500 => Codes.InternalError,
        _ => "error",
    };

    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Extensions.TryAdd("code", DefaultCode(problem.Status));
        problem.Type ??= $"https://ledger.example/problems/{problem.Extensions["code"]}";
    }
}

/// <summary>
/// Malformed bodies (bad JSON, wrong types, overflowing numbers) become 400 malformed_request and
/// oversized ones 413; anything else unexpected is a defect: logged, and a 500 that reveals nothing.
/// </summary>
public sealed partial class LedgerExceptionHandler(IProblemDetailsService problems, ILogger<LedgerExceptionHandler> log) : IExceptionHandler
{
    /// <summary>
    /// Why a body could not be read, in the caller's terms: where in the JSON it went wrong, never the framework's
    /// parameter or .NET type names (those stay in the debug log).
    /// </summary>
    /// <summary>ASP.NET Core's words for a route or query value that does not parse: <c>Failed to bind parameter "long? unitId" from "abc".</c></summary>
    [System.Text.RegularExpressions.GeneratedRegex("""^Failed to bind parameter "[^"]* (?<name>\w+)" from "(?<value>[^"]{0,100})"\.""")]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    internal static string Malformed(BadHttpRequestException bad) => bad.InnerException switch
    {
        System.Text.Json.JsonException { Path: { } path } json =>
            $"The body is not valid JSON for this route: the value at {path} (line {json.LineNumber + 1}, byte {json.BytePositionInLine}) is malformed or of the wrong type (amounts are whole fen, dates and text are strings).",
        System.Text.Json.JsonException => "The body is not valid JSON for this route.",
        _ when BindFailure().Match(bad.Message) is { Success: true } m => $"'{m.Groups["name"].Value}' cannot be '{m.Groups["value"].Value}'.",
        _ when bad.Message.Contains('"') => "The request body is missing or is not the JSON object this route reads.",
        _ => bad.Message,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, code, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: 413 } => (413, Codes.PayloadTooLarge, "The request body is too large."),
            // A body sent without a Content-Type (or with one the route does not read) is the same 415 as any other type.
            BadHttpRequestException { StatusCode: 415 } => (415, Codes.UnsupportedMediaType, "Send the body as application/json."),
            BadHttpRequestException bad => (bad.StatusCode, Codes.MalformedRequest, Malformed(bad)),
            _ => (500, Codes.InternalError, "An unexpected error occurred. It has been logged."),
        };
        if (status >= 400 && status < 500) log.LogDebug(exception, "Refused {Method} {Path}: {Code}", http.Request.Method, http.Request.Path, code);
        if (status >= 500) log.LogError(exception, "Unhandled exception on {Method} {Path}", http.Request.Method, http.Request.Path);
        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = Problems.Title(status),
                Detail = detail,
                Extensions = { ["code"] = code },
            },
        });
    }
}
