using Ledger.Api.Spending;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>
/// One spending request with what its budget line has left, its files inline, earlier decisions,
/// and the decision form for supervisors and the committee (the API's rules: no self-approval,
/// no second decision by the same person).
/// </summary>
public sealed class SpendingDetailModel(SpendingBook spending, BudgetBook budgets) : PortalPage
{
    protected override string[] PageRoles => Roles.StaffAndOversight;

    public SpendingRequestView? Item { get; private set; }
    public ExecutionLine? Line { get; private set; }
    public IReadOnlyList<(string Sha, string Type)> Files { get; private set; } = [];
    public string? Comment { get; private set; }

    public static string StatusKey(string status) => status == SpendingStatus.Paid ? "paidRequest" : status;

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

    public async Task<IActionResult> OnGetAsync(long id) => await LoadAsync(id) ? Page() : StatusPage(404);

    public async Task<IActionResult> OnPostAsync(long id, [FromForm] string? decision, [FromForm] string? comment, [FromForm] string? formId)
    {
        if (!Has(Roles.Supervisor, Roles.Committee)) return StatusPage(403);
        Comment = comment;
        var body = new DecisionBody(decision, comment ?? "");
        if (await ValidAsync(body))
        {
            var decided = await WriteAsync(KeyOf(formId), Fingerprint(decision, comment), async scope =>
                await spending.DecideAsync(scope, id, UserId, MyRoles, decision!, (comment ?? "").Trim()), 200);
            if (decided.Ok)
            {
                Notice = T["decisionRecorded"];
                return SeeOther($"/app/{C}/spending/{id}");
            }
            if (decided.Failure!.Status == 404) return StatusPage(404);
            Fail(decided.Failure);
        }
        return await LoadAsync(id) ? Page() : StatusPage(404);
    }
}
