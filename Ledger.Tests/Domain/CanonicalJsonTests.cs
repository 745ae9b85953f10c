using System.Text.Json.Nodes;
using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void Members_are_sorted_by_utf16_code_units_with_no_white_space()
    {
        // RFC 8785 section 3.2.3's sorting example: keys ordered by UTF-16 code units.
        var node = JsonNode.Parse("""{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}""");
        Assert.Equal("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
            CanonicalJson.Serialize(node));
    }

    [Fact]
    public void Strings_are_escaped_as_ecmascript_does()
    {
        var node = new JsonObject { ["s"] = "引号\"反斜杠\\换行\n\u000f</script>" };
        Assert.Equal("{\"s\":\"引号\\\"反斜杠\\\\换行\\n\\u000f</script>\"}", CanonicalJson.Serialize(node));
    }

    [Fact]
    public void Fractional_numbers_are_refused_because_money_is_whole_fen()
    {
        Assert.Throws<InvalidOperationException>(() => CanonicalJson.Serialize(JsonNode.Parse("""{"a":1.5}""")));
        Assert.Equal("""{"a":[1,-2,true,null]}""", CanonicalJson.Serialize(JsonNode.Parse("""{ "a" : [ 1 , -2, true, null ] }""")));
    }

    [Fact]
    public void Chain_starts_from_32_zero_bytes_and_one_changed_byte_changes_every_later_hash()
    {
        var entry = new Entry("demo", 1, new DateOnly(2026, 10, 1), "收入", "common",
            [new EntryLine("1002", 100, null), new EntryLine("5201", null, 100)], null);
        var hash = entry.ComputeHash();
        Assert.Equal(64, hash.Length);
        Assert.Equal(new string('0', 64), HashChain.Genesis);
        var chain = HashChain.Next(HashChain.Genesis, hash);
        var tampered = (entry with { Memo = "收入 " }).ComputeHash();
        Assert.NotEqual(hash, tampered);
        Assert.NotEqual(chain, HashChain.Next(HashChain.Genesis, tampered));
        Assert.Equal("""{"community":"demo","date":"2026-10-01","fund":"common","lines":[{"account":"1002","debit":100},{"account":"5201","credit":100}],"memo":"收入","seq":1}""",
            CanonicalJson.Serialize(entry.ToCanonicalObject()));
    }
}
