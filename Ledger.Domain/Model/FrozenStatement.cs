using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ledger.Domain.Model;

/// <summary>
/// How a statement is frozen and how anyone checks it (DESIGN.md section 6): its body is the
/// RFC 8785 JSON of the <see cref="StatementDoc"/>, its hash the SHA-256 of that body; a published
/// statement is the body with <c>hash</c> added, so removing <c>hash</c> and hashing again must
/// give the same value. The store freezes with it, the verifier checks with it.
/// </summary>
public static class FrozenStatement
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Canonical body (without <c>hash</c>) and its SHA-256.</summary>
    public static (string Body, string Hash) Freeze(StatementDoc doc)
    {
        var node = JsonSerializer.SerializeToNode(doc, Json)!;
        var body = CanonicalJson.Serialize(node);
        return (body, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))));
    }

    /// <summary>Recomputes a published statement's hash from its JSON: everything but <c>hash</c>, canonicalised.</summary>
    public static string HashOfPublished(JsonObject published)
    {
        var copy = published.DeepClone().AsObject();
        copy.Remove("hash");
        return CanonicalJson.Sha256Hex(copy);
    }
}
