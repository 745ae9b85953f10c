using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Tests.Infrastructure;

/// <summary>
/// The real service in-process on one storage engine, with its own database for the life of the
/// factory (a temporary SQLite file, or a fresh PostgreSQL database). Tests create their own
/// communities, so they do not depend on each other.
/// </summary>
public sealed class LedgerApp : WebApplicationFactory<Program>
{
    public const string AdminLogin = "root-admin";
    public const string AdminPassword = "correct horse battery staple";

    private readonly string _engine;
    private readonly string _connectionString;
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDatabase;
    private static int _slugs;

    /// <param name="connectionString">Share another instance's database (two nodes of one cluster); a fresh one when null.</param>
    public LedgerApp(Engine engine, IDictionary<string, string?>? settings = null, string? connectionString = null)
    {
        _engine = engine == Engine.Sqlite ? "sqlite" : "postgres";
        _ownsDatabase = connectionString is null;
        _connectionString = connectionString ?? (engine == Engine.Sqlite
            ? $"Data Source={Path.Combine(Path.GetTempPath(), $"ledger-test-{Guid.NewGuid():N}.db")}"
            : PostgresServer.CreateDatabase());
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        Engine = engine;
    }

    public Engine Engine { get; }
    public string ConnectionString => _connectionString;
    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 11, 21, 2, 0, 0, TimeSpan.Zero));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Ledger:Database:Engine", _engine);
        builder.UseSetting("Ledger:Database:ConnectionString", _connectionString);
        builder.UseSetting("Ledger:Bootstrap:AdminLogin", AdminLogin);
        builder.UseSetting("Ledger:Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Ledger:Auth:LoginPerAddressPerMinute", "100000");
        // Tests move the clock by weeks (vote deadlines, month ends); sessions must outlive that.
        builder.UseSetting("Ledger:Auth:TokenHours", "100000");
        builder.UseSetting("Ledger:Jobs:Enabled", "false");
        builder.UseSetting("Ledger:Demo:Seed", "false");
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        // Settings reach the builder's configuration early enough for AddLedger to read them.
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(_settings));
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    public static string NewSlug(string prefix = "c") => $"{prefix}-{Environment.ProcessId % 10000}-{Interlocked.Increment(ref _slugs)}";

    public ApiClient Anonymous() => new(CreateClient());

    public async Task<ApiClient> LoginAsync(string login, string password)
    {
        var api = Anonymous();
        var response = await api.Http.PostAsJsonAsync("/api/v1/auth/login", new { login, password });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Login of {login} failed: {body}");
        api.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body!["token"]!.GetValue<string>());
        api.UserId = body["user"]!["id"]!.GetValue<long>();
        return api;
    }

    public Task<ApiClient> AdminAsync() => LoginAsync(AdminLogin, AdminPassword);

    /// <summary>The same signed-in person through this instance: a session is valid on every instance of one database.</summary>
    public ApiClient SignedInAs(ApiClient person)
    {
        var api = Anonymous();
        api.Http.DefaultRequestHeaders.Authorization = person.Http.DefaultRequestHeaders.Authorization;
        api.UserId = person.UserId;
        return api;
    }

    /// <summary>Creates a user and grants them <paramref name="roles"/> in <paramref name="community"/>; returns their client.</summary>
    public async Task<ApiClient> UserAsync(string community, params string[] roles)
    {
        var admin = await AdminAsync();
        var login = $"u{Guid.NewGuid():N}"[..20];
        const string password = "a long enough password";
        var created = await admin.PostAsync("/api/v1/users", new { login, displayName = "测试用户 " + login, password });
        created.EnsureSuccessStatusCode();
        var id = (await created.Json())["id"]!.GetValue<long>();
        (await admin.PutAsync($"/api/v1/communities/{community}/members/{id}", new { roles })).EnsureSuccessStatusCode();
        return await LoginAsync(login, password);
    }

    /// <summary>A new community whose books open at <paramref name="booksStart"/>.</summary>
    public async Task<string> CommunityAsync(string booksStart = "2026-09")
    {
        var admin = await AdminAsync();
        var slug = NewSlug();
        var response = await admin.PostAsync("/api/v1/communities", new { slug, name = "测试小区 " + slug, booksStartMonth = booksStart });
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException(await response.Content.ReadAsStringAsync());
        return slug;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (Engine == Engine.Sqlite && _ownsDatabase)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var file = _connectionString["Data Source=".Length..];
            foreach (var f in new[] { file, file + "-wal", file + "-shm" })
                try { File.Delete(f); } catch (IOException) { /* best effort */ }
        }
    }
}

/// <summary>Per-engine fixtures, created lazily inside a test so the PostgreSQL one can skip.</summary>
public abstract class EngineFixture : IDisposable
{
    private readonly Lazy<LedgerApp> _app;

    protected EngineFixture(Engine engine) => _app = new Lazy<LedgerApp>(() =>
    {
        var app = new LedgerApp(engine);
        _ = app.Server; // start now: migrations and bootstrap run here
        return app;
    });

    public LedgerApp App => _app.Value;

    public void Dispose()
    {
        if (_app.IsValueCreated) _app.Value.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteFixture() : EngineFixture(Engine.Sqlite);

public sealed class PostgresFixture() : EngineFixture(Engine.Postgres);
