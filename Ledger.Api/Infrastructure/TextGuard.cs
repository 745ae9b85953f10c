using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Refuses text no field of this service may hold, before any endpoint or database sees it: control
/// characters (NUL gave a 500 on PostgreSQL), lone surrogates, and Unicode bidirectional overrides and
/// isolates (they let a payee's name display as something else on public pages and in CSV). Line breaks
/// and tabs pass only in multi-line fields (bodies, descriptions, questions, answers, comments, remarks...).
/// Checked in the path, the query string and every string (and property name) of a JSON body:
/// 400 <c>validation_failed</c> naming the field, nothing changed, on both engines alike.
/// </summary>
public static class TextGuard
{
    /// <summary>JSON properties that hold multi-line prose; every other text is one line.</summary>
    private static readonly HashSet<string> MultiLine = new(StringComparer.OrdinalIgnoreCase)
    {
        "body", "description", "question", "answer", "text", "comment", "note", "remarks", "reason", "finding",
    };

    private const int MaxInspectedBody = 1 << 20;

    /// <summary>Whether a field (a JSON property or a form field, by its last name: "lines[0].memo" is "memo") holds multi-line prose.</summary>
    public static bool IsMultiLine(string field)
    {
        var name = field[(field.LastIndexOf('.') + 1)..];
        var bracket = name.IndexOf('[');
        return MultiLine.Contains(bracket < 0 ? name : name[..bracket]);
    }

    /// <summary>Null when <paramref name="text"/> is acceptable, else why not.</summary>
    public static string? Problem(string text, bool multiLine)
    {
        var visible = false;
        var invisible = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (Domain.Model.Invisible.IsFormat(c)) invisible = true;
            else if (!char.IsWhiteSpace(c)) visible = true;
            if (c is '\n' or '\r' or '\t' or '\u2028' or '\u2029')
            {
                if (!multiLine) return "Line breaks and tabs are not allowed here.";
                continue;
            }
            if (char.IsControl(c)) return $"Control character U+{(int)c:X4} is not allowed.";
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
                return $"Bidirectional control U+{(int)c:X4} is not allowed.";
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return "A lone surrogate is not text.";
        }
        // A zero-width space or joiner alone is not an answer, a payee or a title (only spaces are left to "must not be empty").
        return invisible && !visible ? "Only invisible characters: write the text itself." : null;
    }

    /// <summary>A request with no query string and no JSON body needs only its path checked: no state machine for it.</summary>
    public static Task Guard(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (!request.QueryString.HasValue && request.ContentType is null && Problem(request.Path.Value ?? "", multiLine: false) is null)
            return next(http);
        return GuardAsync(http, next);
    }

    private static async Task GuardAsync(HttpContext http, RequestDelegate next)
    {
        var pathProblem = Problem(http.Request.Path.Value ?? "", multiLine: false);
        if (pathProblem is not null) { await Problems.Validation("path", pathProblem).ExecuteAsync(http); return; }
        foreach (var (key, values) in http.Request.Query)
        {
            var problem = Problem(key, false) ?? values.Select(v => Problem(v ?? "", false)).FirstOrDefault(p => p is not null);
            if (problem is not null) { await Problems.Validation(key.Length <= 40 && Problem(key, false) is null ? key : "query", problem).ExecuteAsync(http); return; }
        }
        if (http.Request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true
            && http.Request.ContentLength is null or <= MaxInspectedBody)
        {
            http.Request.EnableBuffering();
            JsonNode? body = null;
            try
            {
                body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            }
            catch (JsonException) { /* the endpoint's binder reports malformed JSON as it always has */ }
            catch (DecoderFallbackException) { }
            http.Request.Body.Position = 0;
            (string Field, string Problem)? found;
            try { found = body is null ? null : Find(body, "", false); }
            catch (ArgumentException) // JsonObject refuses a property name that appears twice
            {
                found = ("body", "A property appears twice in the same object.");
            }
            catch (Exception e) when (e is InvalidOperationException or JsonException)
            {
                found = ("body", "Not valid text: a string holds an escaped lone surrogate.");
            }
            if (found is { } f)
            {
                await Problems.Validation(f.Field, f.Problem).ExecuteAsync(http);
                return;
            }
        }
        await next(http);
    }

    private static (string Field, string Problem)? Find(JsonNode node, string path, bool multiLine)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    var field = path.Length == 0 ? key : $"{path}.{key}";
                    if (Problem(key, false) is { } p) return (path.Length == 0 ? "body" : path, p);
                    if (value is not null && Find(value, field, MultiLine.Contains(key)) is { } f) return f;
                }
                return null;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (a[i] is { } item && Find(item, $"{path}[{i}]", multiLine) is { } f) return f;
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return Problem(v.GetValue<string>(), multiLine) is { } problem ? (path.Length == 0 ? "body" : path, problem) : null;
            default:
                return null;
        }
    }
}

/// <summary>
/// Private answers are never stored by a browser or a proxy: every API answer (signed in, the login itself,
/// errors) says <c>Cache-Control: no-store</c>; public pages keep their own caching.
/// </summary>
public static class PrivateAnswers
{
    public static Task NoStore(HttpContext http, RequestDelegate next)
    {
        var path = http.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/app") || path.StartsWithSegments("/jobs")
            || http.Request.Headers.Authorization.Count > 0)
            http.Response.OnStarting(SetNoStore, http.Response);
        return next(http);
    }

    private static readonly Microsoft.Extensions.Primitives.StringValues NoStoreValue = "no-store";

    private static readonly Func<object, Task> SetNoStore = static response =>
    {
        ((HttpResponse)response).Headers.CacheControl = NoStoreValue;
        return Task.CompletedTask;
    };
}
