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

    public async Task<IResult> RunAsync<T>(HttpContext http, object request, Func<WriteScope, Task<Result<T>>> work,
        int status = StatusCodes.Status201Created, string? naturalKey = null, Func<T, int>? statusOf = null, bool onePosting = false)
    {
        IdempotencyClaim? claim = null;
        var key = naturalKey ?? http.Request.Headers[KeyHeader].ToString();
        if (naturalKey is null && http.Request.Headers.ContainsKey(KeyHeader)
            && (key.Length is 0 or > 100 || !ValidationExtensions.IsVisibleAscii(key)))
            return Problems.Validation(KeyHeader, "1 to 100 visible ASCII characters.");
        if (key.Length > 0)
        {
            var fingerprint = $"{http.Request.Method} {http.Request.Path}\n{JsonSerializer.Serialize(request, request.GetType(), json.Value.SerializerOptions)}";
            claim = new IdempotencyClaim(key, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint))));
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
}

public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

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
    /// One page of a short list read whole (a community's motions, budgets, spending requests, ...), in the list's own
    /// order, which is by a key that never changes. The cursor is the last item's key; the next page starts after that
    /// item, so an item added between pages is never shown twice. A cursor that names no item is 400.
    /// </summary>
    public static IResult Slice<T>(IReadOnlyList<T> all, int? limit, string? after, Func<T, string> key)
    {
        var take = limit ?? 100;
        if (take is < 1 or > 500) return Problems.Validation("limit", "Between 1 and 500.");
        var start = 0;
        if (after is not null)
        {
            var at = -1;
            for (var i = 0; i < all.Count && at < 0; i++)
                if (string.Equals(key(all[i]), after, StringComparison.Ordinal)) at = i;
            if (at < 0) return Problems.Validation("after", "A cursor from a previous page's 'next'.");
            start = at + 1;
        }
        var items = all.Skip(start).Take(take).ToList();
        var next = start + items.Count < all.Count ? key(items[^1]) : null;
        return TypedResults.Ok(new Page<T>(items, next));
    }

    public static string Key(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The <c>next</c> of a page read in SQL by a rising or falling id: the last id when the page is full, else none.</summary>
    public static string? Next<T>(IReadOnlyList<T> items, int take, Func<T, long> id) => items.Count == take ? Key(id(items[^1])) : null;
}
