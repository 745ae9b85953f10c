using System.Text.Json.Nodes;

namespace Ledger.Robustness;

/// <summary>
/// The service under test as the checks see it: a way to make HTTP clients (in-process test server
/// or a real port) and the platform admin's credentials. Sets up communities and users over HTTP.
/// </summary>
public sealed class Service(Func<HttpClient> newClient, string adminLogin, string adminPassword)
{
    private HttpClient? _shared;

    /// <summary>A client of its own (its own connections), for concurrent callers.</summary>
    public HttpClient NewClient() => newClient();

    /// <summary>One client shared by the setup code.</summary>
    public HttpClient Shared => _shared ??= newClient();

    public Api Anonymous() => new(Shared);

    public async Task<Api> LoginAsync(string login, string password, HttpClient? http = null)
    {
        var api = new Api(http ?? Shared);
        var answer = await api.PostAsync("/api/v1/auth/login", new { login, password });
        if (answer.Status != 200) throw new InvalidOperationException($"Login of {login}: {answer}");
        var body = answer.Json()!;
        return api.WithToken(body["token"]!.GetValue<string>(), body["user"]!["id"]!.GetValue<long>());
    }

    public Task<Api> AdminAsync() => LoginAsync(adminLogin, adminPassword);

    public static string NewSlug(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    /// <summary>A new community; its books open in the server's current month unless told otherwise.</summary>
    public async Task<Community> CommunityAsync(string prefix, string? booksStart = null)
    {
        var admin = await AdminAsync();
        var slug = NewSlug(prefix);
        var created = await admin.OkAsync(HttpMethod.Post, "/api/v1/communities",
            booksStart is null ? new { slug, name = "稳健性 " + slug } : new { slug, name = "稳健性 " + slug, booksStartMonth = booksStart });
        return new Community(this, slug, created["booksStartMonth"]!.GetValue<string>());
    }

    /// <summary>A new user holding <paramref name="roles"/> in the community, signed in on <paramref name="http"/> (default: the shared client).</summary>
    public async Task<Api> UserAsync(string slug, string[] roles, HttpClient? http = null)
    {
        var admin = await AdminAsync();
        var login = $"r{Guid.NewGuid():N}"[..20];
        const string password = "robustness password 1";
        var user = await admin.OkAsync(HttpMethod.Post, "/api/v1/users", new { login, displayName = "检查 " + login, password });
        await admin.OkAsync(HttpMethod.Put, $"/api/v1/communities/{slug}/members/{user["id"]!.GetValue<long>()}", new { roles });
        return await LoginAsync(login, password, http);
    }
}

/// <summary>A community the checks created, with helpers for its register.</summary>
public sealed record Community(Service Service, string Slug, string BooksStartMonth)
{
    public string P(string path) => $"/api/v1/communities/{Slug}{path}";

    /// <summary>The first day of the month the books open: always an open, past-or-present date.</summary>
    public string FirstDay => BooksStartMonth + "-01";

    public async Task<long> UnitAsync(Api admin, string building, string number, decimal area = 88.50m) =>
        (await admin.OkAsync(HttpMethod.Post, P("/units"),
            new { building, number, use = "residential", area, areaSource = "registered", delivered = true }))["id"]!.GetValue<long>();

    /// <summary>An owner of <paramref name="unitIds"/>, invited and activated: returns the owner's id and signed-in client.</summary>
    public async Task<(long OwnerId, Api Owner)> OwnerAsync(Api admin, string name, params long[] unitIds)
    {
        var ownerId = (await admin.OkAsync(HttpMethod.Post, P("/owners"), new { name, kind = "person", unitIds }))["id"]!.GetValue<long>();
        var code = (await admin.OkAsync(HttpMethod.Post, P($"/owners/{ownerId}/invitations")))["code"]!.GetValue<string>();
        var login = $"o{Guid.NewGuid():N}"[..20];
        const string password = "owner password 12";
        await Service.Anonymous().OkAsync(HttpMethod.Post, "/api/v1/auth/activate", new { invitationCode = code, login, password });
        return (ownerId, await Service.LoginAsync(login, password));
    }

    public static object TrustTerms(string trusteeName) => new
    {
        trustee = new { name = trusteeName, creditCode = "91510107MA6C000000" },
        remuneration = new { kind = "percent", percent = 10 },
        approval = new { supervisorUpTo = 200000, committeeUpTo = 5000000, expiryDays = 30 },
        disclosure = new { closeDay = 5, signOffDays = 3, arrearsDetail = "aggregate" },
        queryAnswerDays = 7,
        embedOrigins = new[] { "https://sq.example.cn" },
        followMajority = false,
    };

    /// <summary>The journal head and every balance, as text to compare before and after.</summary>
    public async Task<string> SnapshotAsync(Api staff)
    {
        var integrity = (await staff.OkAsync(HttpMethod.Get, P("/integrity"))).AsObject();
        var head = $"seq={integrity["seq"]} chainHash={integrity["chainHash"]} ok={integrity["ok"]}";
        var trial = (await staff.OkAsync(HttpMethod.Get, P("/trial-balance"))).ToJsonString();
        var accounts = (await staff.OkAsync(HttpMethod.Get, P("/accounts"))).ToJsonString();
        return $"{head}\n{trial}\n{accounts}";
    }

    public async Task<JsonObject> IntegrityAsync(Api staff) => (await staff.OkAsync(HttpMethod.Get, P("/integrity"))).AsObject();
}
