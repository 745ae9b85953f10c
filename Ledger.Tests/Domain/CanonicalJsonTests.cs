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

    [Fact]
    public void Entry_hash_written_straight_from_the_fields_equals_the_hash_of_its_canonical_object()
    {
        // Entry.ComputeHash writes the canonical form without building a JSON tree; it must give the
        // same bytes as CanonicalJson over ToCanonicalObject for every shape an entry can take.
        var memos = new[] { "物业服务费 2026-05", "引号\"反斜杠\\换行\n\t\u0001\u001f</script>", "", "emoji \ud83d\ude00 and a lone \ud83d surrogate", "\u0080\u00f6\u20ac\ufb33" };
        var rnd = new Random(18);
        for (var i = 0; i < 500; i++)
        {
            var lines = Enumerable.Range(0, rnd.Next(2, 40)).Select(k => k % 2 == 0
                ? new EntryLine(k % 3 == 0 ? "1122" : "1002", rnd.NextInt64(1, 9_007_199_254_740_991), null, rnd.Next(3) == 0 ? rnd.NextInt64(1, 1_000_000) : null)
                : new EntryLine("5201", null, rnd.NextInt64(1, 100_000_000_000_000), rnd.Next(3) == 0 ? (long?)k : null)).ToList();
            var entry = new Entry(i % 2 == 0 ? "demo" : "小区-\"q\"", rnd.NextInt64(1, 9_007_199_254_740_991), new DateOnly(2026, 1, 1).AddDays(rnd.Next(0, 3000)),
                memos[i % memos.Length] + new string('x', rnd.Next(0, 2000)), i % 3 == 0 ? "maintenance" : "common", lines,
                i % 4 == 0 ? rnd.NextInt64(1, 1_000_000) : null, i % 5 == 0 ? Entry.NewSalt() : null);
            Assert.Equal(CanonicalJson.Sha256Hex(entry.ToCanonicalObject()), entry.ComputeHash());
        }
    }

    [Fact]
    public void Chain_step_refuses_a_hash_that_is_not_64_hex_characters()
    {
        var hash = new Entry("demo", 1, new DateOnly(2026, 10, 1), "m", "common", [new EntryLine("1002", 1, null), new EntryLine("5201", null, 1)], null).ComputeHash();
        Assert.Equal(64, HashChain.Next(HashChain.Genesis, hash).Length);
        Assert.Throws<FormatException>(() => HashChain.Next(HashChain.Genesis, hash[..62]));
        Assert.Throws<FormatException>(() => HashChain.Next("zz" + HashChain.Genesis[2..], hash));
    }
}
