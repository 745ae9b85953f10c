namespace Ledger.Api.Infrastructure;

/// <summary>The <c>Ledger</c> configuration section.</summary>
public sealed class LedgerOptions
{
    public DatabaseOptions Database { get; set; } = new();
    public BootstrapOptions Bootstrap { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
    public JobsOptions Jobs { get; set; } = new();
    public DemoOptions Demo { get; set; } = new();

    public sealed class DatabaseOptions
    {
        /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
        public string Engine { get; set; } = "sqlite";

        /// <summary>Required for postgres; for sqlite defaults to <c>data/ledger.db</c> under the content root (Ledger.Api/).</summary>
        public string? ConnectionString { get; set; }
    }

    public sealed class BootstrapOptions
    {
        public string? AdminLogin { get; set; }
        public string? AdminPassword { get; set; }
    }

    public sealed class AuthOptions
    {
        public double TokenHours { get; set; } = 12;
        /// <summary>Login attempts per client address per minute.</summary>
        public int LoginPerAddressPerMinute { get; set; } = 20;
        /// <summary>Failed logins per login name before it is locked for <see cref="LockoutMinutes"/>.</summary>
        public int FailuresPerLogin { get; set; } = 5;
        public int LockoutMinutes { get; set; } = 15;
    }

    public sealed class JobsOptions
    {
        /// <summary>Run a Hangfire server (process jobs) in this instance.</summary>
        public bool Enabled { get; set; } = true;
        /// <summary>How often the server polls for due retries and, on PostgreSQL, for queued jobs (at least 1).</summary>
        public double PollSeconds { get; set; } = 15;
    }

    public sealed class DemoOptions
    {
        /// <summary>Seed a demo community on first start; defaults to on for the embedded SQLite engine only.</summary>
        public bool? Seed { get; set; }
    }
}
