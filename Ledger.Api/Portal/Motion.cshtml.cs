using Ledger.Api.Budgets;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>
/// A motion: what it decides, the threshold in words, participation while open, the ballot form
/// answered by a receipt (kept across the redirect, shown once), and after the close the result
/// with a receipt check. Ballots go through <see cref="MotionBook.CastAsync"/> like the API's.
/// </summary>
public sealed class MotionModel(MotionBook motions, BudgetBook budgets) : PortalPage
{
    public MotionView? Motion { get; private set; }
    public BudgetView? Budget { get; private set; }
    public string? Receipt { get; set; }
    public string? Checked { get; private set; }
    public string? CheckResult { get; private set; }
    public bool CheckFound { get; private set; }

    private async Task<bool> LoadAsync(long id)
    {
        Motion = await motions.GetAsync(Community!.Id, id, Now);
        if (Motion is null) return false;
        if (Motion.Kind is MotionKinds.BudgetAdoption or MotionKinds.BudgetAmendment && Motion.SubjectId is { } budgetId)
            Budget = await budgets.GetAsync(Community!.Id, budgetId);
        return true;
    }

    public async Task<IActionResult> OnGetAsync(long id)
    {
        Receipt = Flashed.GetValueOrDefault("receipt");
        return await LoadAsync(id) ? Page() : StatusPage(404);
    }

    public async Task<IActionResult> OnPostAsync(long id, [FromForm] string? choice, [FromForm] string? formId)
    {
        if (!Has(Roles.Owner)) return StatusPage(403);
        if (!await ValidAsync(new BallotRequest(choice)))
        {
            Receipt = null;
            return await LoadAsync(id) ? Page() : StatusPage(404);
        }
        var cast = await WriteAsync(KeyOf(formId), Fingerprint(choice), async scope =>
        {
            var receipt = await motions.CastAsync(scope, id, UserId, choice!);
            return receipt.Ok ? Result<string>.From(receipt.Value!) : receipt.Failure!;
        });
        if (!cast.Ok)
        {
            if (cast.Failure!.Status == 404) return StatusPage(404);
            Fail(cast.Failure);
            Receipt = null;
            return await LoadAsync(id) ? Page() : StatusPage(404);
        }
        Flash("receipt", cast.Value!);
        Notice = T["ballotRecorded"];
        return SeeOther($"/app/{C}/motions/{id}");
    }

    /// <summary>Checks a receipt against the published hashes: reads only, so it answers in place.</summary>
    public async Task<IActionResult> OnPostCheckAsync(long id, [FromForm] string? receipt)
    {
        Receipt = null;
        if (!await LoadAsync(id)) return StatusPage(404);
        Checked = receipt?.Trim();
        if (string.IsNullOrEmpty(Checked)) { Fail(Codes.ValidationFailed, T.Required("receipt")); return Page(); }
        var hash = BallotReceipts.Hash(Checked);
        var line = Motion!.Result?.Receipts.FirstOrDefault(r => r.ReceiptHash == hash);
        CheckFound = line is not null;
        CheckResult = line is null ? T["receiptMissing"] : T.Format("receiptFound", T[line.Choice]);
        return Page();
    }
}
