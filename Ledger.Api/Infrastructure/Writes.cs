using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Runs a community write through <see cref="CommunityWriter"/> with the request's Idempotency-Key
/// (or a natural key such as a payment's external reference): the response is stored with the key
/// in the effect's transaction and replayed byte for byte, with <c>Idempotency-Replayed: true</c>.
/// <c>onePosting</c>: the work only validates and posts one entry, or is a payment (see <see cref="CommunityWriter.PostAsync"/>).
/// </summary>
public sealed class Writes(CommunityWriter writer, IOptions<JsonOptions> json, CurrentCommunity current)
{
    public const string KeyHeader = "Idempotency-Key";

    /// <summary>An idempotency key's shape (API.md): 1 to 100 visible ASCII characters. The portal's form keys follow it too.</summary>
    public static bool IsKey(string? key) => key is { Length: > 0 and <= 100 } && ValidationExtensions.IsVisibleAscii(key);

    public async Task<IResult> RunAsync<T>(HttpContext http, object request, Func<WriteScope, Task<Result<T>>> work,
        int status = StatusCodes.Status201Created, string? naturalKey = null, Func<T, int>? statusOf = null, bool onePosting = false)
    {
        IdempotencyClaim? claim = null;
        var key = naturalKey ?? http.Request.Headers[KeyHeader].ToString();
        // Two headers would read as one key joined by a comma ("a,b"), a key neither retry sends: refused, nothing written.
        if (naturalKey is null && http.Request.Headers[KeyHeader].Count > 1)
            return Problems.Validation(KeyHeader, "One Idempotency-Key header, not several.");
        if (naturalKey is null && http.Request.Headers.ContainsKey(KeyHeader) && !IsKey(key))
            return Problems.Validation(KeyHeader, "1 to 100 visible ASCII characters.");
        if (key.Length > 0)
        {
            var fingerprint = $"{http.Request.Method} {http.Request.Path}\n{JsonSerializer.Serialize(request, request.GetType(), json.Value.SerializerOptions)}";
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)));
            claim = naturalKey is null ? IdempotencyClaim.OfCaller(current.UserId, key, hash) : new IdempotencyClaim(key, hash);
        }

        async Task<Result<StoredResponse>> Respond(WriteScope scope)
        {
            var result = await work(scope);
            if (!result.Ok) return result.Failure!;
            return new StoredResponse(statusOf?.Invoke(result.Value!) ?? status, JsonSerializer.Serialize(result.Value, json.Value.SerializerOptions));
        }
        // A write whose only effect is one journal entry goes in one round trip on PostgreSQL, a payment in two (CommunityWriter.PostAsync).
        var outcome = onePosting
            ? await writer.PostAsync(current.Community, current.UserId, claim, Respond, http.RequestAborted, http.Connection.RemoteIpAddress?.ToString())
            : await writer.RunAsync(current.Community, current.UserId, claim, Respond, http.RequestAborted, http.Connection.RemoteIpAddress?.ToString());

        switch (outcome)
        {
            case WriteOutcome.Done done:
                return Results.Text(done.Response.Body, "application/json", Encoding.UTF8, done.Response.Status);
            case WriteOutcome.Replayed replayed:
                http.Response.Headers["Idempotency-Replayed"] = "true";
                return Results.Text(replayed.Response.Body, "application/json", Encoding.UTF8, replayed.Response.Status);
            case WriteOutcome.Failed failed:
                return Problems.From(failed.Failure);
            default:
                throw new InvalidOperationException("Unknown write outcome.");
        }
    }
}

/// <summary>
/// Endpoint metadata: the write is idempotent by a field of its body (a payment's <c>externalRef</c>), not by the
/// <c>Idempotency-Key</c> header, which it ignores; the OpenAPI document says so instead of offering the header.
/// </summary>
public sealed record NaturalKey(string Field);

public static class NaturalKeys
{
    public static TBuilder KeyedBy<TBuilder>(this TBuilder builder, string field) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new NaturalKey(field));

    /// <summary>The route reads a file from the body itself (<see cref="FileBody"/>).</summary>
    public static TBuilder TakesFile<TBuilder>(this TBuilder builder, string field, params string[] rawTypes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FileBody(field, rawTypes));
}

/// <summary>
/// Endpoint metadata: the handler reads a file from the request itself, not through binding: the multipart field
/// <c>Field</c>, or (when <c>RawTypes</c> are given) the whole body as one of them, its type told from its bytes, so
/// no type is refused with 415. The OpenAPI document describes this body, which it cannot infer.
/// </summary>
public sealed record FileBody(string Field, string[] RawTypes);

/// <summary>A page of a list: <c>next</c> is always written, null on the last page (API.md's <c>{ items, next }</c>).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Next);

public static class Paging
{
    /// <summary>Reads <c>?limit=</c> (1-500, default 100) and <c>?after=</c> (a sequence cursor).</summary>
    public static bool TryRead(int? limit, string? after, out int take, out long afterSeq, out IResult? problem)
    {
        take = limit ?? 100;
        afterSeq = 0;
        problem = null;
        if (take is < 1 or > 500) { problem = Problems.Validation("limit", "Between 1 and 500."); return false; }
        if (after is not null && (!long.TryParse(after, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out afterSeq) || afterSeq < 0))
        { problem = Problems.Validation("after", "A cursor from a previous page's 'next'."); return false; }
        return true;
    }

    /// <summary>
    /// One page of a short list read whole (a community's motions, budgets, spending requests, ...). Each item has a
    /// unique sort key whose ordinal order is the list's order; the cursor is the last item's key and the next page
    /// holds the items whose keys sort after it, as a keyset page in SQL would: an item added, removed or filtered out
    /// between pages moves nothing else. A cursor that could not be a key (empty, too long, control characters) is 400.
    /// </summary>
    public static IResult Slice<T>(IReadOnlyList<T> all, int? limit, string? after, Func<T, string> key) =>
        Slice(all, limit, after, key, item => item);

    /// <inheritdoc cref="Slice{T}(IReadOnlyList{T}, int?, string?, Func{T, string})"/>
    /// <remarks>The page's items are <paramref name="shown"/> of the source items, for keys the shown items do not carry.</remarks>
    public static IResult Slice<TSource, T>(IReadOnlyList<TSource> all, int? limit, string? after, Func<TSource, string> key, Func<TSource, T> shown)
    {
        var take = limit ?? 100;
        if (take is < 1 or > 500) return Problems.Validation("limit", "Between 1 and 500.");
        if (after is not null && (after.Length is 0 or > 200 || TextGuard.Problem(after, multiLine: false) is not null))
            return Problems.Validation("after", "A cursor from a previous page's 'next'.");
        var ordered = all.Select(item => (Key: key(item), Item: item)).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
        var rest = after is null ? ordered : ordered.Where(k => string.CompareOrdinal(k.Key, after) > 0).ToList();
        var page = rest.Take(take).ToList();
        return TypedResults.Ok(new Page<T>(page.Select(k => shown(k.Item)).ToList(), rest.Count > take ? page[^1].Key : null));
    }

    /// <summary>A sort key for an id: fixed width, so ordinal order is numeric order (<see cref="Slice{T}"/>).</summary>
    public static string Ascending(long id) => id.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A sort key for an id in a list of the newest first.</summary>
    public static string Descending(long id) => Ascending(long.MaxValue - id);

    /// <summary>
    /// A page read in SQL by a rising or falling id, with one row more than the page holds (<paramref name="take"/> + 1):
    /// the extra row, when it came, is not shown and says another page follows, so the last page's <c>next</c> is null
    /// even when it is exactly full.
    /// </summary>
    public static Page<TShown> Of<T, TShown>(IReadOnlyList<T> read, int take, Func<T, long> id, Func<T, TShown> shown)
    {
        var more = read.Count > take;
        var page = more ? read.Take(take).ToList() : read;
        return new Page<TShown>(page.Select(shown).ToList(), more ? id(page[^1]).ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <inheritdoc cref="Of{T, TShown}"/>
    public static Page<T> Of<T>(IReadOnlyList<T> read, int take, Func<T, long> id) => Of(read, take, id, item => item);
}
