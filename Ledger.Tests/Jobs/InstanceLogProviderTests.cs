using Ledger.Jobs;
using Microsoft.Extensions.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;

namespace Ledger.Tests.Jobs;

/// <summary>
/// Hangfire keeps one log provider for the whole process: a job triggered after the instance that configured it was
/// disposed must not fail on that instance's disposed logger factory (it did, in CI, creating a retry filter).
/// </summary>
public sealed class InstanceLogProviderTests
{
    private sealed class Recorder : ILoggerProvider
    {
        public List<string> Lines { get; } = [];
        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void Dispose() { }

        private sealed class Logger(Recorder recorder, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                recorder.Lines.Add($"{category} {logLevel}: {formatter(state, exception)}");
        }
    }

    [Fact]
    public void Hangfire_logs_through_the_instance_and_falls_silent_once_the_instance_is_gone()
    {
        var recorder = new Recorder();
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(recorder));
        var provider = new InstanceLogProvider(factory);

        Assert.True(provider.GetLogger("Hangfire.Test").Log(HangfireLevel.Warn, () => "retrying"));
        Assert.Equal(["Hangfire.Test Warning: retrying"], recorder.Lines);

        factory.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new Hangfire.AspNetCore.AspNetCoreLogProvider(factory).GetLogger("Hangfire.Other"));
        var silent = provider.GetLogger("Hangfire.Other");
        Assert.False(silent.Log(HangfireLevel.Error, () => "after the instance"));
        Assert.Single(recorder.Lines);
    }
}
