namespace Ledger.Api.Public;

/// <summary>
/// The site icon browsers ask for on every first visit (without one, each first visit logs a 404): a
/// 16×16 ICO drawn here, a green square with a white ledger line, so nothing is loaded from outside.
/// </summary>
public static class Favicon
{
    /// <summary>The icon's bytes: ICONDIR, one ICONDIRENTRY, and a 32-bit BMP with its AND mask.</summary>
    public static readonly byte[] Ico = Draw();

    public static IEndpointRouteBuilder MapFavicon(this IEndpointRouteBuilder app)
    {
        app.MapGet("/favicon.ico", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=604800";
            return TypedResults.Bytes(Ico, "image/x-icon");
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static byte[] Draw()
    {
        const int size = 16, pixels = size * size * 4, mask = size * 4, image = 40 + pixels + mask;
        using var stream = new MemoryStream(6 + 16 + image);
        using var w = new BinaryWriter(stream);
        w.Write((ushort)0); w.Write((ushort)1); w.Write((ushort)1);                 // ICONDIR: reserved, type icon, one image
        w.Write((byte)size); w.Write((byte)size); w.Write((byte)0); w.Write((byte)0); // width, height, no palette, reserved
        w.Write((ushort)1); w.Write((ushort)32); w.Write(image); w.Write(6 + 16);    // planes, bits per pixel, size, offset
        w.Write(40); w.Write(size); w.Write(size * 2); w.Write((ushort)1); w.Write((ushort)32); // BITMAPINFOHEADER (height counts the mask)
        w.Write(0); w.Write(pixels + mask); w.Write(0); w.Write(0); w.Write(0); w.Write(0);
        for (var y = 0; y < size; y++)              // rows bottom-up, BGRA
            for (var x = 0; x < size; x++)
            {
                var line = (y is 4 or 7 or 10) && x is >= 4 and <= 11;
                if (line) { w.Write((byte)0xFF); w.Write((byte)0xFF); w.Write((byte)0xFF); }
                else { w.Write((byte)0x42); w.Write((byte)0x6F); w.Write((byte)0x1D); } // #1d6f42, the pages' accent
                w.Write((byte)0xFF);
            }
        w.Write(new byte[mask]);                    // AND mask: every pixel opaque
        return stream.ToArray();
    }
}
