using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.Extensions.Logging;

namespace Ledger.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide (its LibLog): the instance configured last wins, and once that
/// instance is disposed (a test's app, one of two nodes in one process) its <see cref="ILoggerFactory"/> throws on
/// every new logger, so a job another instance triggers then failed creating its retry filter. This provider logs
/// through the instance's factory as Hangfire's own does, and hands out a silent logger once that factory is gone.
/// </summary>
public sealed class InstanceLogProvider(ILoggerFactory factory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(factory);

    public ILog GetLogger(string name)
    {
        try { return _inner.GetLogger(name); }
        catch (ObjectDisposedException) { return Silent.Instance; }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
