using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Ledger.Domain.Model;

/// <summary>One line of an entry: exactly one of debit or credit, in positive whole fen.</summary>
public sealed record EntryLine(string Account, long? Debit, long? Credit, long? UnitId = null)
{
    public long Amount => Debit ?? Credit ?? 0;
    public bool IsDebit => Debit is not null;
}

/// <summary>
/// A journal entry as the public feed shows it under <c>entry</c>. An owner-specific entry carries
/// <paramref name="Salt"/>: 128 random bits inside its canonical form, so its published hash cannot be
/// matched by trying every unit, amount and date (DESIGN.md section 6, "A hidden entry must stay hidden").
/// </summary>
public sealed record Entry(string Community, long Seq, DateOnly Date, string Memo, string Fund,
    IReadOnlyList<EntryLine> Lines, long? Reverses, string? Salt = null)
{
    /// <summary>A fresh salt: 16 random bytes as 32 lowercase hex characters.</summary>
    public static string NewSalt() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The object whose RFC 8785 form is hashed (guarantee 3). No hashes inside.</summary>
    public JsonObject ToCanonicalObject()
    {
        var lines = new JsonArray();
        foreach (var l in Lines)
        {
            var o = new JsonObject { ["account"] = l.Account };
            if (l.Debit is { } d) o["debit"] = d;
            if (l.Credit is { } c) o["credit"] = c;
            if (l.UnitId is { } u) o["unitId"] = u;
            lines.Add(o);
        }
        var entry = new JsonObject
        {
            ["community"] = Community,
            ["seq"] = Seq,
            ["date"] = Dates.Format(Date),
            ["memo"] = Memo,
            ["fund"] = Fund,
            ["lines"] = lines,
        };
        if (Reverses is { } r) entry["reverses"] = r;
        if (Salt is not null) entry["salt"] = Salt;
        return entry;
    }

    public string ComputeHash()
    {
        Span<byte> hash = stackalloc byte[32];
        ComputeHash(hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// SHA-256 of the canonical form, written straight from the fields: the same characters
    /// <see cref="CanonicalJson.Serialize"/> writes for <see cref="ToCanonicalObject"/> (members in
    /// UTF-16 order: community, date, fund, lines[account, credit, debit, unitId], memo, reverses,
    /// salt, seq), encoded to UTF-8 in a reused buffer, so hashing allocates nothing per line.
    /// </summary>
    public void ComputeHash(Span<byte> hash)
    {
        var chars = Canonical;
        chars.Clear();
        chars.Append("{\"community\":");
        CanonicalJson.WriteString(chars, Community);
        chars.Append(",\"date\":\"");
        AppendDate(chars, Date);
        chars.Append("\",\"fund\":");
        CanonicalJson.WriteString(chars, Fund);
        chars.Append(",\"lines\":[");
        for (var i = 0; i < Lines.Count; i++)
        {
            var l = Lines[i];
            if (i > 0) chars.Append(',');
            chars.Append("{\"account\":");
            CanonicalJson.WriteString(chars, l.Account);
            if (l.Credit is { } c) { chars.Append(",\"credit\":"); CanonicalJson.WriteInteger(chars, c); }
            if (l.Debit is { } d) { chars.Append(",\"debit\":"); CanonicalJson.WriteInteger(chars, d); }
            if (l.UnitId is { } u) { chars.Append(",\"unitId\":"); CanonicalJson.WriteInteger(chars, u); }
            chars.Append('}');
        }
        chars.Append("],\"memo\":");
        CanonicalJson.WriteString(chars, Memo);
        if (Reverses is { } r) { chars.Append(",\"reverses\":"); CanonicalJson.WriteInteger(chars, r); }
        if (Salt is not null) { chars.Append(",\"salt\":"); CanonicalJson.WriteString(chars, Salt); }
        chars.Append(",\"seq\":");
        CanonicalJson.WriteInteger(chars, Seq);
        chars.Append('}');

        var length = 0;
        foreach (var chunk in chars.GetChunks()) length += chunk.Length;
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(length));
        try
        {
            var written = 0;
            var encoder = Utf8Encoder;
            encoder.Reset();
            foreach (var chunk in chars.GetChunks())
                written += encoder.GetBytes(chunk.Span, bytes.AsSpan(written), flush: false);
            written += encoder.GetBytes([], bytes.AsSpan(written), flush: true);
            SHA256.HashData(bytes.AsSpan(0, written), hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    [ThreadStatic] private static StringBuilder? canonical;
    [ThreadStatic] private static Encoder? utf8Encoder;
    private static StringBuilder Canonical => canonical ??= new StringBuilder(1024);
    // Encoding.UTF8's encoder: a lone surrogate becomes U+FFFD, as Encoding.UTF8.GetBytes does for the string.
    private static Encoder Utf8Encoder => utf8Encoder ??= Encoding.UTF8.GetEncoder();

    private static void AppendDate(StringBuilder sb, DateOnly date)
    {
        Span<char> buffer = stackalloc char[10];
        date.TryFormat(buffer, out var n, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        sb.Append(buffer[..n]);
    }

    /// <summary>True when a line names a unit: such entries are owner-specific and the public feed shows only their hash.</summary>
    public bool IsPersonal => Lines.Any(l => l.UnitId is not null);
}

/// <summary>The hash chain of guarantee 3: chain(n) = SHA-256(chain(n-1) || entry_hash(n)), chain(0) = 32 zero bytes.</summary>
public static class HashChain
{
    public static readonly string Genesis = new('0', 64);

    public static string Next(string previousChainHex, string entryHashHex)
    {
        Span<byte> buffer = stackalloc byte[64];
        if (Convert.FromHexString(previousChainHex, buffer[..32], out _, out var a) != OperationStatus.Done || a != 32
            || Convert.FromHexString(entryHashHex, buffer[32..], out _, out var b) != OperationStatus.Done || b != 32)
            throw new FormatException("A chain or entry hash is 64 hexadecimal characters.");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer, hash);
        return Convert.ToHexStringLower(hash);
    }
}
