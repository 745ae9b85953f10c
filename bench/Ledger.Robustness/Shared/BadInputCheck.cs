using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Ledger.Robustness;

/// <summary>
/// Bad input: generated malformed and hostile requests spread over every write route the app maps
/// (wrong types, huge and negative numbers, five-decimal money, invalid UTF-8, 1 MB strings, missing
/// and extra fields, SQL and markup in text, wrong content types, broken JSON, hostile route values
/// and headers). Each request starts from a well-formed body that the service must refuse for a
/// business reason (an unknown unit, a date before the books open, a month already billed…), so no
/// mutation can legitimately post anything. Passes when no answer is a 5xx and the journal head
/// (integrity seq and chain hash) and every balance (trial balance, accounts) are unchanged.
/// </summary>
public static class BadInputCheck
{
    /// <param name="KnownDefects">5xx answers already reported as defects: counted and named in the figures, not violations.</param>
    public sealed record Options(int Requests, int Concurrency = 8, int Seed = 11, IReadOnlyList<KnownDefect>? KnownDefects = null);

    /// <summary>A defect found and reported but not fixed yet, recognised by the request that triggers it.</summary>
    public sealed record KnownDefect(string Name, Func<RouteInfo, Request, bool> Matches);

    /// <summary>
    /// Defects found and not fixed yet, whose 500s are counted apart. Empty: the three this check found
    /// (an unknown JSON charset, a broken multipart body, racing CSV imports of the same unit) are fixed,
    /// and Ledger.Tests/Robustness/DefectTests.cs keeps them fixed.
    /// </summary>
    public static readonly IReadOnlyList<KnownDefect> FoundDefects = [];

    public enum Mutation
    {
        WrongType, HugeNumber, NegativeNumber, FiveDecimals, InvalidUtf8, HugeString, Missing, Extra, Sql, Markup, ContentType, Malformed, RouteValue, Header,
        // Classes of issue 10: each must be refused (400), not merely survived.
        ControlText, QueryText, OtherForm,
    }

    /// <summary>Damage the service must refuse with a 400, whatever else the body says (issue 10, items 2, 3, 8, 9).</summary>
    public static bool MustRefuse(Mutation m) => m is Mutation.ControlText or Mutation.QueryText or Mutation.OtherForm;

    private enum BodyKind { Json, Csv, Multipart }

    /// <summary>The world the requests are aimed at: a community with bills, a payment and trust terms.</summary>
    public sealed record Target(Community World, Api Hostile, Api Staff, string Month, long PaymentSeq, string TakenLogin);

    public static async Task<Target> PrepareAsync(Service service)
    {
        var world = await service.CommunityAsync("bad");
        var staff = await service.UserAsync(world.Slug, ["trustee", "trustee_manager", "supervisor", "community_admin"]);
        // One user holding every community role, so every route gets past its role check to the body.
        var hostile = await service.UserAsync(world.Slug, ["owner", "trustee", "trustee_manager", "supervisor", "committee", "community_admin"]);
        var admin = await service.AdminAsync();
        var takenLogin = $"taken{Guid.NewGuid():N}"[..16];
        await admin.OkAsync(HttpMethod.Post, "/api/v1/users", new { login = takenLogin, displayName = "已占用", password = "robustness password 1" });
        var unit = await world.UnitAsync(staff, "1栋", "101");
        await world.UnitAsync(staff, "1栋", "102");
        await staff.OkAsync(HttpMethod.Put, world.P("/trust-terms"), Community.TrustTerms("某某物业服务有限公司"));
        await staff.OkAsync(HttpMethod.Put, world.P("/fee-schedule"), new { effectiveFrom = world.BooksStartMonth, rates = new { residential = "1.80" } });
        await staff.OkAsync(HttpMethod.Post, world.P("/billing-runs"), new { month = world.BooksStartMonth });
        var payment = await staff.OkAsync(HttpMethod.Post, world.P("/payments"),
            new { unitId = unit, amount = 50_000, paidAt = world.FirstDay, channel = "bank", externalRef = "bad-setup-payment" });
        await staff.OkAsync(HttpMethod.Post, world.P("/entries"), new
        {
            date = world.FirstDay, memo = "广告收入", fund = "common",
            lines = new object[] { new { account = "1002", debit = 1_000 }, new { account = "5202", credit = 1_000 } },
        });
        return new Target(world, hostile, staff, world.BooksStartMonth, payment["seq"]!.GetValue<long>(), takenLogin);
    }

    public static async Task<Report> RunAsync(Service service, IReadOnlyList<RouteInfo> routes, Options o, Action<string>? log = null)
    {
        var writeRoutes = routes.Where(r => r.IsWrite).ToList();
        var report = new Report($"badinput ({o.Requests} requests over {writeRoutes.Count} write routes)");
        var t = await PrepareAsync(service);
        var before = await t.World.SnapshotAsync(t.Staff);
        var statuses = new StatusCounts();
        var perRoute = new int[writeRoutes.Count];
        var accepted = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var closedOnOversize = 0;
        var nulInPath = 0;
        var known = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var notProblemJson = 0;
        var notProblemJsonKinds = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var refused = 0;
        var next = -1;
        var mutations = Enum.GetValues<Mutation>();

        async Task Worker()
        {
            var http = service.NewClient();
            int i;
            while ((i = Interlocked.Increment(ref next)) < o.Requests)
            {
                var routeIndex = i % writeRoutes.Count;
                var route = writeRoutes[routeIndex];
                var mutation = mutations[i / writeRoutes.Count % mutations.Length];
                var seed = o.Seed * 1_000_003 + i;
                var request = Build(route, mutation, t, new Random(seed));
                Interlocked.Increment(ref perRoute[routeIndex]);
                try
                {
                    Answer answer;
                    try
                    {
                        answer = await new Api(http, t.Hostile.Token).SendAsync(request.Method, request.Path, request.Content, request.IdempotencyKey,
                            authorization: request.Authorization);
                    }
                    catch (HttpRequestException) when (request.Size <= EarlyAnswerBytes)
                    {
                        // A small request on a kept-alive connection the server had just closed (after answering a large
                        // body early) never reached it: send it once more, on a new connection.
                        var again = Build(route, mutation, t, new Random(seed));
                        answer = await new Api(http, t.Hostile.Token).SendAsync(again.Method, again.Path, again.Content, again.IdempotencyKey,
                            authorization: again.Authorization);
                    }
                    statuses.Add(answer.Status);
                    var defect = answer.Status >= 500 ? o.KnownDefects?.FirstOrDefault(d => d.Matches(route, request)) : null;
                    if (defect is not null)
                        known.AddOrUpdate(defect.Name, 1, (_, n) => n + 1);
                    else if (answer.Status >= 500)
                        report.Violation($"{answer.Status} from {route} [{mutation}] {request.Describe()} -> {answer}");
                    else if (request.MustRefuse && answer.Status != 400)
                        report.Violation($"{answer.Status}, not 400, from {route} [{mutation}] {request.Describe()} -> {answer}");
                    else if (request.MustRefuse) Interlocked.Increment(ref refused);
                    else if (answer.Status is >= 200 and < 300)
                        accepted.AddOrUpdate($"{route} [{mutation}]", 1, (_, n) => n + 1);
                    else if (answer.Status == 400 && answer.ContentType is null && request.Path.Contains("%00", StringComparison.Ordinal))
                        Interlocked.Increment(ref nulInPath); // Kestrel refuses an encoded NUL in the path before the app runs: an empty 400
                    else if (answer.Status >= 400 && answer.ContentType != "application/problem+json")
                    {
                        Interlocked.Increment(ref notProblemJson);
                        notProblemJsonKinds.AddOrUpdate($"{answer.Status} {answer.ContentType ?? "no content type"} on {route} [{mutation}]", 1, (_, n) => n + 1);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException && request.Size > EarlyAnswerBytes)
                {
                    // Kestrel answers 413 and closes the connection while a body over its limit is still being sent; and
                    // a large body the application refuses before reading it (unknown community, no sign-in) is answered
                    // early, after which Kestrel closes the connection rather than drain the rest.
                    Interlocked.Increment(ref closedOnOversize);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("null characters", StringComparison.Ordinal))
                {
                    // The in-process test server refuses a %00 in the path before the app sees it (Kestrel answers 400).
                    Interlocked.Increment(ref nulInPath);
                }
                catch (Exception e)
                {
                    report.Violation($"{route} [{mutation}] {request.Describe()} -> {e.GetType().Name}: {e.Message}");
                }
                if (i > 0 && i % 2000 == 0) log?.Invoke($"  {i} requests sent");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(Worker)));

        var after = await t.World.SnapshotAsync(t.Staff);
        if (after != before) report.Violation($"the journal head or a balance changed:\nbefore: {Cut(before)}\nafter:  {Cut(after)}");
        var fiveHundreds = statuses.Count(s => s >= 500);
        report.Figure($"{o.Requests} requests, {writeRoutes.Count} write routes ({perRoute.Min()}-{perRoute.Max()} each), {mutations.Length} kinds of damage; " +
                      $"{fiveHundreds} answered 5xx");
        report.Figure($"answers: {statuses}" + (closedOnOversize > 0 ? $"; {closedOnOversize} oversized bodies cut off by the server (413 + close)" : ""));
        report.Figure($"journal head and every balance unchanged: {after == before} ({before.Split('\n')[0]})");
        report.Figure($"{refused} requests with control or bidirectional text, hostile query strings, other date forms, bad embed origins or weak passwords refused with 400");
        if (nulInPath > 0) report.Figure($"{nulInPath} paths with %00 refused by the web server itself, before the application (an empty 400, or the in-process test server's exception)");
        foreach (var (name, n) in known) report.Figure($"KNOWN DEFECT, not counted as a violation here: {name} ×{n}");
        if (notProblemJson > 0)
            report.Figure($"{notProblemJson} error answers were not application/problem+json: " +
                string.Join(", ", notProblemJsonKinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}×{k.Value}")));
        if (!accepted.IsEmpty)
            report.Figure("accepted (2xx; harmless text in fields that take any text, none touching the ledger): " +
                          string.Join(", ", accepted.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        return report;
    }

    /// <summary>Bodies above this may be answered before they are read, and the connection closed while they are sent.</summary>
    private const long EarlyAnswerBytes = 64 * 1024;

    private static string Cut(string s) => s.Length > 1500 ? s[..1500] + "…" : s;

    public sealed record Request(HttpMethod Method, string Path, HttpContent? Content, string? IdempotencyKey, string? Authorization, long Size, string Sample,
        bool MustRefuse = false)
    {
        public string Describe() => $"{Method} {(Path.Length > 120 ? Path[..120] + "…" : Path)} key={IdempotencyKey?.Length.ToString() ?? "-"} " +
                                    $"type={Content?.Headers.ContentType?.ToString() ?? "-"} size={Size} body={Sample}";
    }

    // ---- the damage ----

    private static readonly string[] WrongTypes = ["\"text\"", "123", "true", "false", "null", "[]", "{}", "[1,\"a\",null]", "{\"$gt\":\"\"}", "\"\"", "1.5", "-0", "\"1e3\"", "\"0x10\"", "[[[[]]]]"];
    private static readonly string[] HugeNumbers = ["1e400", "-1e400", "9223372036854775808", "-9223372036854775809", "1.7976931348623157e308", "123456789012345678901234567890", "9223372036854775807", "4.9e-324", "1e-400", "100000000000001"];
    private static readonly string[] NegativeNumbers = ["-1", "-100", "-9223372036854775808", "-0.01", "-99999999999999", "-2147483649"];
    private static readonly string[] FiveDecimals = ["12.34567", "0.00001", "100.12345", "-3.14159", "88.55555", "1.80001"];
    private static readonly string[] Sql =
    [
        "'; DROP TABLE journal_entries; --", "1' OR '1'='1", "\" OR 1=1 --", "'); DELETE FROM journal_lines; --", "1; SELECT pg_sleep(10); --",
        "Robert'); DROP TABLE students;--", "%' OR 1=1 --", "\\'; TRUNCATE communities CASCADE; --", "' UNION SELECT password_hash FROM users --",
        "1002' OR 1=1--", "x'||(SELECT sqlite_version())||'", "$1; COMMIT; DROP TABLE accounts;",
    ];
    private static readonly string[] Markup =
    [
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "]]><!--", "{{7*7}}", "${jndi:ldap://127.0.0.1/x}", "\u202Eevil\u202C", "\u0000nul",
        "\uFEFFbom", "😀👨‍👩‍👧", "\\ud800 lone", "\ud800", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
        "javascript:alert(1)", "=cmd|' /C calc'!A0", "\r\nX-Injected: 1", "@SUM(1+1)*cmd", "<svg/onload=alert(1)>", "%s%s%s%n",
    ];
    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zzz", "", "application/json; charset=utf-16",
        "application/json; charset=iso-8859-1", "application/problem+json", "text/csv", "application/octet-stream", "image/png", "application/json; charset=nonsense",
    ];
    private static readonly string[] RouteValues =
    [
        "-1", "0", "99999999999999999999999", "abc", "%00", "..%2F..%2Fetc%2Fpasswd", "1%20OR%201=1", "%27%3B--", "%E4%B8%80", "%FF", "null", "1.5", "1e3",
        "%2e%2e", "9223372036854775807", "-9223372036854775808", "%3Cscript%3E", new string('9', 3000), "2026-13", "0000-00", "9999-12",
    ];
    private static readonly string[] ControlTexts =
    [
        "a\u0000b", "\u0000", "x\u0001y", "\u001F", "\u007F", "tab\tin one line", "line\nbreak", "cr\rhere", "\u0085next line", "\u009B",
        "\u202Egpj.exe", "\u202Dx", "\u202Ax\u202C", "\u2066isolate\u2069", "\u2067x", "\u2068x",
    ];
    private static readonly string[] QueryTexts =
    [
        "?q=%00", "?status=%00open", "?after=%01", "?month=%E2%80%AE2026-11", "?limit=1%0A", "?x=%E2%81%A6y", "?%00=1", "?note=%C2%85", "?a=%7F",
    ];
    private static readonly string[] OtherDates = ["2026/11/20", "20/11/2026", "2026.11.20", "Nov 20 2026", "2026年11月20日", "2026/11", "11-2026", "2026-11-20 08:00:00"];
    private static readonly string[] BadOrigins =
    [
        "https://*.example.cn", "https://a.example.cn;script-src *", "https://a.example.cn#x", "https://a .example.cn", "https://a.example.cn/path",
        "https://a.example.cn\r\nX-Evil: 1", "http://a.example.cn", "*", "javascript:alert(1)", "https://user@a.example.cn", "https://a.example.cn:99999", "'self'",
    ];
    private static readonly string[] WeakPasswords = ["aaaaaaaaaa", "1234567890", "qwertyuiop", "password123", "abcabcabcabc", "0987654321", "woaini1314", "short"];
    private static readonly string[] BadKeys = [new string('k', 101), " spaced key ", "", "\t", "key\u007f", new string('x', 5000)];
    private static readonly string[] BadAuthorizations = ["Bearer " + new string('a', 300), "Bearer", "Basic YWRtaW46YWRtaW4=", "Bearer ' OR 1=1 --", "Bearer null", "bearer  "];
    private static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE4, 0xB8], [0x80], [0xF5, 0x80, 0x80, 0x80], [0xFE, 0xFF, 0x00]];

    private const string Raw = "§RAW§";

    /// <summary>The well-formed request for a route that the service must still refuse.</summary>
    private static (BodyKind Kind, JsonObject Json, Func<string, string> Value) Base(RouteInfo route, Target t)
    {
        var future = "2999-01";
        var old = "2000-01-03";
        string Value(string name) => name switch
        {
            "c" => t.World.Slug,
            "seq" => t.PaymentSeq.ToString(System.Globalization.CultureInfo.InvariantCulture), // a payment entry: not reversible by hand
            "month" => t.Month, // the current month: not over, so it cannot close
            _ => "999999999", // ids nothing has
        };
        var p = route.Pattern.Replace("/api/v1/communities/{c}", "", StringComparison.Ordinal);
        JsonObject J(object o) => JsonNode.Parse(Api.Serialize(o))!.AsObject();
        var json = (route.Method, p) switch
        {
            ("POST", "/api/v1/auth/login") => J(new { login = "nobody-at-all", password = "not the password" }),
            ("POST", "/api/v1/auth/activate") => J(new { invitationCode = "NO-SUCH-CODE", login = "someone-new", password = "owner password 12" }),
            ("POST", "/api/v1/users") => J(new { login = t.TakenLogin, displayName = "重复", password = "long enough password" }),
            ("POST", "/api/v1/communities") => J(new { slug = t.World.Slug, name = "重复小区", booksStartMonth = t.Month }),
            ("PUT", "/members/{userId:long}") => J(new { roles = new[] { "trustee" } }),
            ("PUT", "/trust-terms") => J(Community.TrustTerms("某某物业服务有限公司")),
            ("POST", "/units") => J(new { building = "1栋", number = "101", use = "residential", area = 88.5m, areaSource = "registered", delivered = true }),
            ("POST", "/owners") => J(new { name = "业主", kind = "person", unitIds = new[] { 999999999L } }),
            ("POST", "/accounts") => J(new { code = "999901", name = "子科目", parentCode = "9999" }),
            ("POST", "/entries") => J(new { date = old, memo = "账前", fund = "common", lines = new object[] { new { account = "1002", debit = 100 }, new { account = "5202", credit = 100 } } }),
            ("POST", "/entries/{seq:long}/reversal") => J(new { reason = "冲销" }),
            ("PUT", "/fee-schedule") => J(new { effectiveFrom = t.Month, rates = new { residential = "2.00" } }),
            ("POST", "/billing-runs") => J(new { month = future }),
            ("POST", "/payments") => J(new { unitId = 999999999L, amount = 100, paidAt = t.World.FirstDay, channel = "bank", externalRef = "bad-input-payment" }),
            ("POST", "/receipts") => J(new { source = "parking", amount = 100, receivedAt = old, payer = "停车场", memo = "账前", externalRef = "bad-input-receipt" }),
            ("POST", "/budgets") or ("PUT", "/budgets/{id:long}") =>
                J(new { fiscalYear = 2026, lines = new object[] { new { account = "9999", amount = 100, note = "无此科目" } }, income = Array.Empty<object>() }),
            ("POST", "/budgets/{id:long}/comments") => J(new { text = "意见" }),
            ("POST", "/motions") => J(new { kind = "spending", subjectId = 999999999L, title = "表决", body = "正文", opensAt = "2026-11-01T00:00:00Z", closesAt = "2026-12-01T00:00:00Z" }),
            ("POST", "/motions/{id:long}/ballots") => J(new { choice = "yes" }),
            ("POST", "/spending-requests") => J(new { payee = "收款人", amount = 100, account = "9999", description = "无此科目", attachments = Array.Empty<string>() }),
            ("POST", "/spending-requests/{id:long}/decisions") => J(new { decision = "approve", comment = "同意" }),
            ("POST", "/spending-requests/{id:long}/payment") => J(new { paidAt = t.World.FirstDay, bankRef = "bad-input-bank" }),
            ("POST", "/remuneration-accruals") => J(new { month = t.Month }),
            ("POST", "/queries") => J(new { subject = "entry", subjectId = "999999999", question = "问题" }),
            ("POST", "/queries/{id:long}/answer") => J(new { answer = "回答" }),
            // Routes without a body (or not known here): the body is ignored or refused; the route values carry the damage.
            _ => J(new { note = "ignored" }),
        };
        var kind = p switch { "/units/import" => BodyKind.Csv, "/attachments" => BodyKind.Multipart, _ => BodyKind.Json };
        return (kind, json, Value);
    }

    public static Request Build(RouteInfo route, Mutation mutation, Target t, Random r)
    {
        var (kind, json, value) = Base(route, t);
        var routeValue = value;
        string? key = null, authorization = null;
        if (mutation == Mutation.RouteValue && route.Parameters.Count > 0)
        {
            var target = route.Parameters[r.Next(route.Parameters.Count)];
            var bad = Pick(r, RouteValues);
            routeValue = name => name == target ? bad : value(name);
        }
        else if (mutation == Mutation.RouteValue) mutation = Mutation.Extra;
        if (mutation == Mutation.Header)
        {
            if (r.Next(2) == 0) key = Pick(r, BadKeys); else authorization = Pick(r, BadAuthorizations);
        }
        else if (r.Next(4) == 0) key = $"bad-{r.Next():x}";
        if (route.Pattern.EndsWith("/auth/logout", StringComparison.Ordinal)) authorization ??= "Bearer " + Convert.ToHexString(Guid.NewGuid().ToByteArray());

        var path = route.Fill(routeValue);
        var mustRefuse = MustRefuse(mutation) && kind != BodyKind.Multipart;
        if (mutation == Mutation.QueryText) path += Pick(r, QueryTexts);
        else if (mutation == Mutation.OtherForm && kind == BodyKind.Json && !OtherForm(route, json, r)) mutation = Mutation.ControlText;
        if (mutation == Mutation.ControlText && kind == BodyKind.Json && !Nodes(json).Any(n => n is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String))
            json["memo"] = "";
        var method = new HttpMethod(route.Method);
        var (bytes, contentType) = kind switch
        {
            BodyKind.Csv => CsvBody(mutation, r),
            BodyKind.Multipart => MultipartBody(mutation, r),
            _ => JsonBody(json, mutation, r),
        };
        HttpContent content = new ByteArrayContent(bytes);
        if (contentType.Length > 0) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var sample = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 160));
        // A bad key or authorization may be answered first (400 or 401): only the text damage itself is held to a 400.
        return new Request(method, path, content, key, authorization, bytes.Length, sample, mustRefuse && key is null or { Length: > 0 and <= 100 } && authorization is null);
    }

    /// <summary>
    /// Writes a value in a form the API does not take where the route has such a field: a date or month written
    /// otherwise (2026/11/20), an embed origin that is not https://host[:port], a weak password. False when none applies.
    /// </summary>
    private static bool OtherForm(RouteInfo route, JsonObject json, Random r)
    {
        var fields = Nodes(json).OfType<JsonValue>().Where(v => v.GetValueKind() == System.Text.Json.JsonValueKind.String && v.Parent is JsonObject).ToList();
        var date = fields.Where(v => v.GetPropertyName() is "date" or "paidAt" or "receivedAt" or "month" or "effectiveFrom" or "booksStartMonth" or "opensAt" or "closesAt").ToList();
        var password = fields.Where(v => v.GetPropertyName() == "password" && !route.Pattern.EndsWith("/login", StringComparison.Ordinal)).ToList();
        if (json["embedOrigins"] is JsonArray origins)
        {
            origins.Add(Pick(r, BadOrigins));
            return true;
        }
        if (password.Count > 0) { password[0].ReplaceWith(Pick(r, WeakPasswords)); return true; }
        if (date.Count > 0) { Pick(r, date).ReplaceWith(Pick(r, OtherDates)); return true; }
        return false;
    }

    private static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];

    private static string HugeString(Random r) => r.Next(3) switch
    {
        0 => new string('A', 1024 * 1024 + 17), // just over the 1 MB body limit
        1 => new string('长', 400_000), // 1.2 MB of UTF-8
        _ => new string('x', 1_000_000), // under the limit: reaches the validators
    };

    private static (byte[], string) JsonBody(JsonObject doc, Mutation mutation, Random r)
    {
        var values = Nodes(doc).Where(n => n is JsonValue).ToList();
        var strings = values.Where(n => n.GetValueKind() == System.Text.Json.JsonValueKind.String).ToList();
        var numbers = values.Where(n => n.GetValueKind() == System.Text.Json.JsonValueKind.Number).ToList();
        string? raw = null;
        byte[]? badBytes = null;
        var contentType = "application/json";

        void SetRaw(List<JsonNode> candidates, string literal)
        {
            raw = literal;
            if (candidates.Count > 0) Pick(r, candidates).ReplaceWith(Raw);
            else doc["amount"] = Raw;
        }

        switch (mutation)
        {
            case Mutation.WrongType: SetRaw(values, Pick(r, WrongTypes)); break;
            case Mutation.HugeNumber: SetRaw(numbers.Count > 0 ? numbers : values, Pick(r, HugeNumbers)); break;
            case Mutation.NegativeNumber: SetRaw(numbers.Count > 0 ? numbers : values, Pick(r, NegativeNumbers)); break;
            case Mutation.FiveDecimals: SetRaw(numbers.Count > 0 ? numbers : values, Pick(r, FiveDecimals)); break;
            case Mutation.HugeString: SetText(doc, strings, r, HugeString(r)); break;
            case Mutation.Sql: SetText(doc, strings, r, Pick(r, Sql)); break;
            case Mutation.Markup: SetText(doc, strings, r, Pick(r, Markup)); break;
            case Mutation.ControlText:
                // One-line fields refuse line breaks too; multi-line ones take them, so put those in a one-line field.
                var oneLine = strings.Where(n => n.Parent is not JsonObject || n.GetPropertyName() is not ("body" or "description" or "question" or "answer" or "text" or "comment" or "note" or "remarks" or "reason" or "finding")).ToList();
                SetText(doc, oneLine.Count > 0 ? oneLine : [], r, Pick(r, ControlTexts));
                break;
            case Mutation.InvalidUtf8:
                SetText(doc, strings, r, "§BAD§");
                badBytes = Pick(r, InvalidUtf8);
                break;
            case Mutation.Missing:
                var all = Nodes(doc).Where(n => n.Parent is not null).ToList();
                if (r.Next(5) == 0) doc.Clear();
                else if (all.Count > 0)
                {
                    var gone = Pick(r, all);
                    if (gone.Parent is JsonObject o) o.Remove(gone.GetPropertyName());
                    else if (gone.Parent is JsonArray a) a.RemoveAt(gone.GetElementIndex());
                }
                break;
            case Mutation.Extra:
                var extras = new (string, JsonNode?)[]
                {
                    ("id", 1), ("seq", 1), ("communityId", 1), ("__proto__", new JsonObject { ["admin"] = true }), ("$where", "1==1"),
                    ("isPlatformAdmin", true), ("roles", new JsonArray("platform_admin")), ("extra", new JsonArray(1, 2, 3)), ("'; DROP TABLE x; --", "y"),
                };
                foreach (var (name, node) in extras.OrderBy(_ => r.Next()).Take(r.Next(1, 4))) doc[name] = node?.DeepClone();
                break;
            case Mutation.ContentType:
                contentType = Pick(r, ContentTypes);
                break;
            case Mutation.Malformed:
                return (Encoding.UTF8.GetBytes(Malformed(doc.ToJsonString(), r)), r.Next(8) == 0 ? "text/plain" : "application/json");
        }

        var text = doc.ToJsonString();
        if (raw is not null) text = text.Replace($"\"{Raw}\"", raw, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (badBytes is not null) bytes = Splice(bytes, Encoding.UTF8.GetBytes("§BAD§"), badBytes);
        return (bytes, contentType);
    }

    private static void SetText(JsonObject doc, List<JsonNode> strings, Random r, string text)
    {
        if (strings.Count > 0) Pick(r, strings).ReplaceWith(text);
        else doc["memo"] = text;
    }

    private static string Malformed(string json, Random r) => r.Next(16) switch
    {
        0 => json[..r.Next(1, Math.Max(2, json.Length - 1))],
        1 => json.TrimEnd('}') + ",}",
        2 => json.Replace('"', '\''),
        3 => json.Replace(":", ":NaN,\"x\":", StringComparison.Ordinal),
        4 => "/* comment */" + json,
        5 => new string('[', 5000) + new string(']', 5000),
        6 => string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200),
        7 => DuplicateFirstKey(json),
        8 => "\uFEFF" + json,
        9 => Pick(r, new[] { "null", "[]", "\"string\"", "0", "", "{", "}", "true", "[{}]" }),
        10 => json + "}}}garbage",
        11 => "{\"a\":}",
        12 => Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
        13 => json.Replace("\"", "\\\"", StringComparison.Ordinal),
        14 => "{\"" + new string('k', 100_000) + "\":1}",
        _ => json.Replace("{", "{\"x\":\"\\uZZZZ\",", StringComparison.Ordinal),
    };

    private static string DuplicateFirstKey(string json)
    {
        var comma = json.IndexOf(',', StringComparison.Ordinal);
        return comma > 1 ? "{" + json[1..comma] + "," + json[1..] : json;
    }

    private static (byte[], string) CsvBody(Mutation mutation, Random r)
    {
        const string header = "building,number,use,area,areaSource,delivered";
        var row = new List<string> { "1栋", "101", "residential", "88.50", "registered", "true" }; // unit 1栋-101 exists: the import is refused
        string Line() => string.Join(',', row);
        var contentType = "text/csv";
        byte[]? bad = null;
        switch (mutation)
        {
            case Mutation.WrongType: row[r.Next(row.Count)] = Pick(r, new[] { "true", "abc", "[]", "{}", "12,5", "\"\"" }); break;
            case Mutation.HugeNumber: row[3] = Pick(r, HugeNumbers); break;
            case Mutation.NegativeNumber: row[3] = Pick(r, NegativeNumbers); break;
            case Mutation.FiveDecimals: row[3] = Pick(r, FiveDecimals); break;
            case Mutation.HugeString: row[r.Next(2)] = HugeString(r); break;
            case Mutation.Sql: row[r.Next(3)] = "\"" + Pick(r, Sql).Replace("\"", "\"\"", StringComparison.Ordinal) + "\""; break;
            case Mutation.Markup: row[r.Next(3)] = "\"" + Pick(r, Markup).Replace("\"", "\"\"", StringComparison.Ordinal) + "\""; break;
            case Mutation.ControlText: row[r.Next(2)] = "\"1栋" + Pick(r, ControlTexts).Replace("\"", "\"\"", StringComparison.Ordinal) + "\""; break;
            case Mutation.InvalidUtf8: row[r.Next(3)] = "§BAD§"; bad = Pick(r, InvalidUtf8); break;
            case Mutation.Missing: row.RemoveAt(r.Next(row.Count)); break;
            case Mutation.Extra: row.Add("extra"); row.Add("=HYPERLINK(\"http://x\")"); break;
            case Mutation.ContentType: contentType = Pick(r, ContentTypes); break;
            case Mutation.Malformed:
                var text = Pick(r, new[] { "", header, "\"unclosed,quote\n", "a,b,c\n1,2,3", header + "\n\"1栋\"x,101", "\0\0\0", header + "\r\n\r\n\r\n", "building;number;use" });
                return (Encoding.UTF8.GetBytes(text), contentType);
        }
        var bytes = Encoding.UTF8.GetBytes(header + "\n" + Line() + "\n");
        if (bad is not null) bytes = Splice(bytes, Encoding.UTF8.GetBytes("§BAD§"), bad);
        return (bytes, contentType);
    }

    private static (byte[], string) MultipartBody(Mutation mutation, Random r)
    {
        const string boundary = "robustness-boundary";
        byte[] content = mutation switch
        {
            Mutation.HugeString => Encoding.UTF8.GetBytes(HugeString(r)),
            Mutation.InvalidUtf8 => Pick(r, InvalidUtf8),
            Mutation.Sql => Encoding.UTF8.GetBytes(Pick(r, Sql)),
            Mutation.Markup => Encoding.UTF8.GetBytes("<html>" + Pick(r, Markup) + "</html>"),
            Mutation.Missing => [],
            _ => "not really a PDF"u8.ToArray(), // typed by its first bytes: refused whatever the client claims
        };
        var name = mutation == Mutation.WrongType ? "notfile\"; filename=\"../../etc/passwd" : "file";
        var claimed = mutation == Mutation.ContentType ? "image/png" : "application/pdf";
        if (mutation == Mutation.Malformed)
            return (Encoding.UTF8.GetBytes(Pick(r, new[] { $"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nx", "--nope--", "", $"--{boundary}--" })),
                $"multipart/form-data; boundary={boundary}");
        var head = Encoding.UTF8.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"quittance.pdf\"\r\nContent-Type: {claimed}\r\n\r\n");
        var extra = mutation == Mutation.Extra ? Encoding.UTF8.GetBytes($"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"memo\"\r\n\r\n<script>") : [];
        var tail = Encoding.UTF8.GetBytes($"\r\n--{boundary}--\r\n");
        var type = mutation == Mutation.ContentType ? Pick(r, new[] { "application/json", "text/plain", "multipart/form-data", "multipart/form-data; boundary=" }) : $"multipart/form-data; boundary={boundary}";
        return ([.. head, .. content, .. extra, .. tail], type);
    }

    private static byte[] Splice(byte[] bytes, byte[] marker, byte[] replacement)
    {
        var at = bytes.AsSpan().IndexOf(marker);
        return at < 0 ? bytes : [.. bytes.AsSpan(0, at), .. replacement, .. bytes.AsSpan(at + marker.Length)];
    }

    private static IEnumerable<JsonNode> Nodes(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(kv => kv.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.Where(c => c is not null).ToList())
            foreach (var n in Nodes(child!)) yield return n;
    }
}
