namespace Ledger.Domain.Model;

/// <summary>
/// What an uploaded attachment (a quote, a contract, a voucher, a paper ballot's scan) may be, judged by its
/// first bytes whatever the client claimed: PDF, PNG or JPEG, nothing else.
/// </summary>
public static class Uploads
{
    public const string Pdf = "application/pdf";
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";

    /// <summary>The content type from the file's first bytes: pdf, png or jpeg, else null.</summary>
    public static string? ContentTypeOf(ReadOnlySpan<byte> head) =>
        head.StartsWith("%PDF-"u8) ? Pdf
        : head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? Png
        : head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? Jpeg
        : null;

    /// <summary>The file name extension a download of <paramref name="contentType"/> gets.</summary>
    public static string Extension(string contentType) => contentType switch
    {
        Pdf => ".pdf",
        Png => ".png",
        _ => ".jpg",
    };
}
