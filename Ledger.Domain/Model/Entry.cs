using System.Security.Cryptography;
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

    public string ComputeHash() => CanonicalJson.Sha256Hex(ToCanonicalObject());

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
        Convert.FromHexString(previousChainHex).CopyTo(buffer);
        Convert.FromHexString(entryHashHex).CopyTo(buffer[32..]);
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }
}
