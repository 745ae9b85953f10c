using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

public sealed class YuanTests
{
    [Theory]
    [InlineData("161.23", 16123)]
    [InlineData("0.29", 29)]
    [InlineData("0.1", 10)]
    [InlineData("1234", 123400)]
    [InlineData("1,234.56", 123456)]
    [InlineData("¥ 1,234,567.8", 123456780)]
    [InlineData("￥0.07", 7)]
    [InlineData(" 12.30 ", 1230)]
    [InlineData("0", 0)]
    [InlineData("1000000000000000", 100000000000000000)]
    public void Yuan_read_as_exact_fen(string text, long fen)
    {
        Assert.True(Yuan.TryParseFen(text, out var parsed));
        Assert.Equal(fen, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12.345")]
    [InlineData("12.")]
    [InlineData(".5")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("1e3")]
    [InlineData("1,23")]
    [InlineData("12,34.5")]
    [InlineData("1 000")]
    [InlineData("١٢")]
    [InlineData("NaN")]
    [InlineData("99999999999999999")]
    [InlineData(null)]
    public void Anything_but_yuan_with_two_decimals_is_refused(string? text) => Assert.False(Yuan.TryParseFen(text, out _));

    [Fact]
    public void Every_fen_amount_survives_formatting_and_reading_back()
    {
        for (long fen = 0; fen < 100_000; fen += 7)
        {
            Assert.True(Yuan.TryParseFen(Yuan.Format(fen), out var back));
            Assert.Equal(fen, back);
        }
    }
}
