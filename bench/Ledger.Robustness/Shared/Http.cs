using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ledger.Robustness;

/// <summary>One HTTP answer, read whole: status, body text, and the headers the checks look at.</summary>
public sealed record Answer(int Status, string Body, string? ContentType, bool Replayed)
{
    public JsonNode? Json()
    {
        try { return JsonNode.Parse(Body); } catch (JsonException) { return null; }
    }

    public long Long(string field) => Json()?[field]?.GetValue<long>() ?? throw new InvalidOperationException($"No '{field}' in {Body}");

    public override string ToString() => $"{Status} {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
}

/// <summary>A caller of the service: one HttpClient (shared or not) and an optional bearer token.</summary>
public sealed class Api(HttpClient http, string? token = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http { get; } = http;
    public string? Token { get; } = token;
    public long UserId { get; init; }

    public Api WithToken(string? token, long userId = 0) => new(Http, token) { UserId = userId };

    public static string Serialize(object body) => body as string ?? JsonSerializer.Serialize(body, Json);

    public async Task<Answer> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? idempotencyKey = null,
        CancellationToken ct = default, string? authorization = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        var auth = authorization ?? (Token is null ? null : "Bearer " + Token);
        if (auth is not null) request.Headers.TryAddWithoutValidation("Authorization", auth);
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        using var response = await Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var replayed = response.Headers.TryGetValues("Idempotency-Replayed", out var v) && v.Contains("true");
        return new Answer((int)response.StatusCode, body, response.Content.Headers.ContentType?.MediaType, replayed);
    }

    public static StringContent JsonBody(object body) => new(Serialize(body), Encoding.UTF8, "application/json");

    public Task<Answer> GetAsync(string path, CancellationToken ct = default) => SendAsync(HttpMethod.Get, path, null, null, ct);

    public Task<Answer> PostAsync(string path, object? body, string? idempotencyKey = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, body is null ? null : JsonBody(body), idempotencyKey, ct);

    public Task<Answer> PutAsync(string path, object body) => SendAsync(HttpMethod.Put, path, JsonBody(body));

    /// <summary>Sends and insists on a 2xx answer (for setting up the world the checks run in).</summary>
    public async Task<JsonNode> OkAsync(HttpMethod method, string path, object? body = null)
    {
        var answer = await SendAsync(method, path, body is null ? null : JsonBody(body));
        if (answer.Status is < 200 or > 299) throw new InvalidOperationException($"{method} {path}: {answer}");
        return answer.Json() ?? new JsonObject();
    }
}

/// <summary>What a check found: figures to print and violations that fail it.</summary>
public sealed class Report(string name)
{
    private readonly ConcurrentQueue<string> _violations = new();
    private int _violationCount;

    public string Name { get; } = name;
    public List<string> Figures { get; } = [];
    public IReadOnlyCollection<string> Violations => _violations;
    public int ViolationCount => _violationCount;
    public bool Ok => _violationCount == 0;

    public void Figure(string text) { lock (Figures) Figures.Add(text); }

    /// <summary>Records a violation (the first 200 verbatim; the rest only counted).</summary>
    public void Violation(string text)
    {
        if (Interlocked.Increment(ref _violationCount) <= 200) _violations.Enqueue(text);
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"== {Name}: {(Ok ? "OK" : $"{_violationCount} VIOLATION(S)")}");
        foreach (var f in Figures) sb.AppendLine("   " + f);
        foreach (var v in _violations.Take(40)) sb.AppendLine(" ! " + v);
        if (_violationCount > 40) sb.AppendLine($" ! … and {_violationCount - 40} more");
        return sb.ToString();
    }
}

/// <summary>Counts of answers by status, printed as "201×12 400×300".</summary>
public sealed class StatusCounts
{
    private readonly ConcurrentDictionary<int, int> _counts = new();

    public void Add(int status) => _counts.AddOrUpdate(status, 1, (_, n) => n + 1);

    public int Count(Func<int, bool> which) => _counts.Where(kv => which(kv.Key)).Sum(kv => kv.Value);

    public override string ToString() => string.Join(" ", _counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}"));
}
