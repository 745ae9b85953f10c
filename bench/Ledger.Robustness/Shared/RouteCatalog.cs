using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Robustness;

/// <summary>A route of the app as its EndpointDataSource lists it.</summary>
public sealed record RouteInfo(string Method, string Pattern, bool Anonymous)
{
    public bool IsWrite => Method is "POST" or "PUT" or "PATCH" or "DELETE";

    public IReadOnlyList<string> Parameters => RouteCatalog.Parameter().Matches(Pattern).Select(m => m.Groups["name"].Value).ToList();

    /// <summary>The pattern with each parameter replaced by <paramref name="value"/>'s answer for its name.</summary>
    public string Fill(Func<string, string> value) => RouteCatalog.Parameter().Replace(Pattern, m => value(m.Groups["name"].Value));

    public override string ToString() => $"{Method} {Pattern}";
}

/// <summary>
/// Every route the app maps, read from its <see cref="EndpointDataSource"/>, so a route added later is
/// probed without anyone listing it here.
/// </summary>
public static partial class RouteCatalog
{
    public static IReadOnlyList<RouteInfo> From(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new RouteInfo(m, Normalise(e.RoutePattern.RawText ?? ""), e.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .Where(r => r.Pattern.Length > 0 && r.Method != "HEAD" && r.Method != "OPTIONS")
            .DistinctBy(r => (r.Method, r.Pattern))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();

    private static string Normalise(string raw) => "/" + raw.Trim('/');

    [GeneratedRegex(@"\{\**(?<name>[A-Za-z0-9_]+)(:[^}]*)?\??\}")]
    internal static partial Regex Parameter();
}
