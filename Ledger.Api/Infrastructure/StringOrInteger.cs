using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Reads an id given either as the API returned it (a number: an entry's seq, a request's id) or as a
/// string (a statement period), and keeps it as text. A fractional number or any other JSON is malformed.
/// </summary>
public sealed class StringOrInteger : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number when reader.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
        JsonTokenType.Null => null,
        _ => throw new JsonException("Expected a number or a string."),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
