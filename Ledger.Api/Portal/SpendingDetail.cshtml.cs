using System.Security.Cryptography;
using System.Text.Json;
using Ledger.Api.Fees;
using Ledger.Api.Spending;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Ledger.Api.Portal;

/// <summary>
/// One spending request with what its budget line has left, its files inline, earlier decisions,
/// and the decision form for supervisors and the committee (the API's rules: no self-approval,
/// no second decision by the same person); for staff, once approved, the payment form with its voucher.
/// </summary>
[RequestSizeLimit(SpendingNewModel.MaxFormBytes)]
public sealed class SpendingDetailModel(SpendingBook spending, BudgetBook budgets, MotionBook motions, CommunityWriter writer, IOptions<JsonOptions> json) : PortalPage
{
    protected override string[] PageRoles => Roles.StaffAndOversight;

    public SpendingRequestView? Item { get; private set; }
    public ExecutionLine? Line { get; private set; }
    public IReadOnlyList<(string Sha, string Type)> Files { get; private set; } = [];
    public string? Comment { get; private set; }
    public string? PaidAt { get; private set; }
    public string? BankRef { get; private set; }

    // Whoever holds a trustee role decides on no spending request (SpendingBook.DecideAsync: trustee_cannot_approve),
    // even holding the supervisor or committee role too; the form is not offered, as the finding and remarks forms are not.
    public bool MayDecide => Item?.Status == SpendingStatus.Pending && Has(Roles.Supervisor, Roles.Committee) && !Has(Roles.Staff);

    public static string StatusKey(string status) => status == SpendingStatus.Paid ? "paidRequest" : status;

    /// <summary>The pay form's date is when the trustee paid, not a fee payment's date.</summary>
    protected override IReadOnlyDictionary<string, string> FieldLabels { get; } = new Dictionary<string, string> { ["paidAt"] = "spendingPaidAt" };

    private async Task<bool> LoadAsync(long id)
    {
        var community = Community!;
        Item = await spending.GetAsync(community.Id, id, Now);
        if (Item is null) return false;
        var budget = (await budgets.ListAsync(community.Id))
            .Where(b => b.FiscalYear == Item.FiscalYear && b.Status == BudgetStatus.Adopted).OrderByDescending(b => b.Version).FirstOrDefault();
        if (budget is not null)
            Line = (await budgets.ExecutionAsync(community, budget, Now)).FirstOrDefault(l => l.Account == Item.BudgetLine);
        var files = new List<(string, string)>();
        foreach (var sha in Item.Attachments.Append(Item.Voucher).OfType<string>().Distinct())
            if (await spending.AttachmentAsync(community.Id, sha) is { } f) files.Add((sha, f.ContentType));
        Files = files;
        return true;
    }

    public async Task<IActionResult> OnGetAsync(long id)
    {
        PaidAt = Dates.Format(Dates.Today(HttpContext.RequestServices.GetRequiredService<TimeProvider>(), Community!.Zone));
        return await LoadAsync(id) ? Page() : StatusPage(404);
    }

    public async Task<IActionResult> OnPostAsync(long id, [FromForm] string? decision, [FromForm] string? comment, [FromForm] string? formId)
    {
        if (!Has(Roles.Supervisor, Roles.Committee)) return StatusPage(403);
        Comment = comment;
        var body = new DecisionBody(decision, comment ?? "");
        if (await ValidAsync(body))
        {
            var decided = await WriteAsync(KeyOf(formId), Fingerprint(decision, comment), async scope =>
                await spending.DecideAsync(scope, id, UserId, MyRoles, decision!, (comment ?? "").Trim()), 200);
            if (Outcome(decided, _ => T["decisionRecorded"], $"/app/{C}/spending/{id}") is { } next) return next;
        }
        return await LoadAsync(id) ? Page() : StatusPage(404);
    }

    /// <summary>
    /// Staff pay an approved request, as <c>POST …/spending-requests/{id}/payment</c>: the bank reference is the
    /// idempotency key with the API's own fingerprint, so a payment recorded here, through the API, or twice
    /// posts once; the voucher file is stored in the same write.
    /// </summary>
    public async Task<IActionResult> OnPostPayAsync(long id, [FromForm] string? paidAt, [FromForm] string? bankRef)
    {
        if (!Has(Roles.Staff)) return StatusPage(403);
        (PaidAt, BankRef) = (paidAt?.Trim(), bankRef?.Trim());
        byte[]? voucher = null;
        if (Request.Form.Files.GetFile("voucher") is { Length: > 0 } file)
        {
            if (file.Length > SpendingBook.MaxAttachmentBytes)
            {
                Fail(new Failure(Codes.PayloadTooLarge, T["fileTooLarge"], 413));
                return await LoadAsync(id) ? Page() : StatusPage(404);
            }
            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, HttpContext.RequestAborted);
            voucher = buffer.ToArray();
        }
        var body = new PaymentBody(PaidAt, BankRef, voucher is null ? null : Convert.ToHexStringLower(SHA256.HashData(voucher)));
        if (await ValidAsync(body))
        {
            await motions.AdvanceDueAsync(Community!, writer); // a request that needs a vote is paid only after it passed
            Moment.TryDate(body.PaidAt, Community!.Zone, out var paidOn);
            var fingerprint = $"POST /api/v1/communities/{C}/spending-requests/{id}/payment\n{JsonSerializer.Serialize(body, json.Value.SerializerOptions)}";
            var paid = await WriteAsync($"spending-payment:{id}:{body.BankRef}", fingerprint, async scope =>
            {
                if (voucher is not null && await spending.StoreAttachmentAsync(scope, voucher) is { Ok: false } refused) return refused.Failure!;
                return await spending.PayAsync(scope, id, paidOn, body.BankRef!, body.Voucher);
            });
            if (Outcome(paid, done => T.Format("requestPaid", done.PaidSeq ?? 0), $"/app/{C}/spending/{id}") is { } next) return next;
        }
        return await LoadAsync(id) ? Page() : StatusPage(404);
    }
}
