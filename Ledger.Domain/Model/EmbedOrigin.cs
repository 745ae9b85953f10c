using System.Globalization;
using System.Text.RegularExpressions;

namespace Ledger.Domain.Model;

/// <summary>
/// A site allowed to frame the embed page (trust terms' <c>embedOrigins</c>), as it goes into the
/// Content-Security-Policy <c>frame-ancestors</c> list: scheme <c>https</c> (or <c>http</c> for a loopback host),
/// a host, an optional port, nothing else. An internationalised host is kept in its ASCII (punycode) form,
/// the only form a header can carry; anything that could widen or break the policy (a wildcard, <c>;</c>,
/// <c>#</c>, spaces, a path, CR/LF) is not an origin.
/// </summary>
public static partial class EmbedOrigin
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>Fails with a reason; on success <paramref name="origin"/> is the normal form.</summary>
    public static bool TryNormalize(string? text, out string origin, out string reason)
    {
        origin = "";
        reason = "An origin is https://host or https://host:port (http only for localhost), nothing else.";
        if (text is null || text.Length > 200) return false;
        var m = Shape().Match(text);
        if (!m.Success) return false;
        var scheme = m.Groups["scheme"].Value.ToLowerInvariant();
        var host = m.Groups["host"].Value;
        string ascii;
        if (host.StartsWith('['))
            ascii = host.ToLowerInvariant();
        else
        {
            try { ascii = Idn.GetAscii(host.TrimEnd('.')).ToLowerInvariant(); }
            catch (ArgumentException) { reason = $"'{host}' is not a host name."; return false; }
            if (ascii.Length == 0 || ascii.Length > 253) { reason = $"'{host}' is not a host name."; return false; }
        }
        var port = m.Groups["port"].Success ? m.Groups["port"].Value : null;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535))
        { reason = $"Port {port} does not exist."; return false; }
        var loopback = ascii is "localhost" or "127.0.0.1" or "[::1]" || ascii.EndsWith(".localhost", StringComparison.Ordinal);
        if (scheme == "http" && !loopback) { reason = "An embedding site uses https (http only for localhost)."; return false; }
        origin = $"{scheme}://{ascii}{(port is null ? "" : ":" + int.Parse(port, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture))}";
        return true;
    }

    [GeneratedRegex(@"^(?<scheme>[hH][tT][tT][pP][sS]?)://(?<host>\[[0-9a-fA-F:.]{2,45}\]|[^:/?#\[\]@\s\\]{1,253})(:(?<port>[0-9]{1,5}))?/?\z")]
    private static partial Regex Shape();
}
