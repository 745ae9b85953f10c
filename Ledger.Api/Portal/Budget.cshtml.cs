using Ledger.Api.Budgets;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>A budget's lines with their execution (budget, reserved, spent, left), its comments, and the owners' comment form while it is out for comment.</summary>
public sealed class BudgetModel(BudgetBook budgets) : PortalPage
{
    public BudgetView? Budget { get; private set; }
    public IReadOnlyList<ExecutionLine> Execution { get; private set; } = [];
    public string? Text { get; private set; }

    public string NoteOf(string account) => Budget?.Lines.FirstOrDefault(l => l.Account == account)?.Note ?? "";

    private async Task<bool> LoadAsync(long id)
    {
        Budget = await budgets.GetAsync(Community!.Id, id);
        if (Budget is null) return false;
        Execution = await budgets.ExecutionAsync(Community!, Budget, Now);
        return true;
    }

    public async Task<IActionResult> OnGetAsync(long id) => await LoadAsync(id) ? Page() : StatusPage(404);

    public async Task<IActionResult> OnPostAsync(long id, [FromForm] string? text, [FromForm] string? formId)
    {
        if (!Has(Roles.Owner)) return StatusPage(403);
        Text = text;
        if (await ValidAsync(new CommentRequest(text)))
        {
            var posted = await WriteAsync(KeyOf(formId), Fingerprint(text), async scope =>
            {
                var author = await BudgetBook.AuthorLabelAsync(scope, scope.Community.Id, UserId);
                return await budgets.CommentAsync(scope, id, UserId, author, text!.Trim());
            });
            if (Outcome(posted, _ => T["commentRecorded"], $"/app/{C}/budgets/{id}") is { } next) return next;
        }
        return await LoadAsync(id) ? Page() : StatusPage(404);
    }
}
