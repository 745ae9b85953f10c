using Ledger.Api.Spending;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>An attachment for any member of its community (a paper ballot's scan only for those who check them), served inline (images in the page, PDFs opened), as the API serves it.</summary>
public sealed class AttachmentModel(SpendingBook spending) : PortalPage
{
    public async Task<IActionResult> OnGetAsync(string sha256)
    {
        if (!SpendingRequestValidator.IsSha256(sha256)) return StatusPage(404);
        // A paper ballot's scan shows how a voter voted: for the committee and supervisors only, as in the API.
        if (await spending.AttachmentAsync(Community!.Id, sha256, ballotScans: Has(Domain.Model.Roles.PaperBallotReaders)) is not { } f) return StatusPage(404);
        Response.Headers.ContentDisposition = "inline";
        // Content the trustee uploaded: sniffed to pdf/png/jpeg on upload, never HTML; run nothing inside it.
        Response.Headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'";
        return File(f.Content, f.ContentType);
    }
}
