using Ledger.Domain.Model;

namespace Ledger.Tests.Domain;

/// <summary>An upload's type is judged by its first bytes, whatever its name or the client's claim.</summary>
public sealed class UploadsTests
{
    [Fact]
    public void Pdf_png_and_jpeg_are_known_by_their_first_bytes()
    {
        Assert.Equal(Uploads.Pdf, Uploads.ContentTypeOf("%PDF-1.7\n%âãÏÓ\n1 0 obj"u8));
        Assert.Equal(Uploads.Png, Uploads.ContentTypeOf([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R']));
        Assert.Equal(Uploads.Jpeg, Uploads.ContentTypeOf([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F']));
        Assert.Equal(Uploads.Jpeg, Uploads.ContentTypeOf([0xFF, 0xD8, 0xFF, 0xE1]));   // EXIF
    }

    [Fact]
    public void A_renamed_executable_is_refused()
    {
        // "invoice.pdf" that is really a Windows program: MZ header, then the DOS stub.
        byte[] exe = [(byte)'M', (byte)'Z', 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00];
        Assert.Null(Uploads.ContentTypeOf(exe));
        Assert.Null(Uploads.ContentTypeOf([0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1]));   // a Linux one
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46 })]            // "%PDF" without its dash
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A })] // a PNG signature cut short
    [InlineData(new byte[] { 0xFF, 0xD8 })]                          // a JPEG start cut short
    [InlineData(new byte[] { 0x20, 0x25, 0x50, 0x44, 0x46, 0x2D })]  // " %PDF-": the signature must come first
    public void Truncated_or_shifted_signatures_are_refused(byte[] head) => Assert.Null(Uploads.ContentTypeOf(head));

    [Theory]
    [InlineData(Uploads.Pdf, ".pdf")]
    [InlineData(Uploads.Png, ".png")]
    [InlineData(Uploads.Jpeg, ".jpg")]
    public void A_download_is_named_after_its_type(string type, string extension) => Assert.Equal(extension, Uploads.Extension(type));
}
