using System.Security.Cryptography;
using Ledger.Api.Spending;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>
/// Staff file a spending request with its files, as <c>POST …/attachments</c> then <c>POST …/spending-requests</c>
/// would: the same validator, the same size and type limits (each file at most 10 MB, sniffed to PDF, PNG or JPEG),
/// <see cref="SpendingBook.FileAsync"/> after the due motions are persisted. The files and the request are one
/// write: a refused request stores no file, and the form sent twice files one request.
/// </summary>
[RequestSizeLimit(MaxFormBytes)]
public sealed class SpendingNewModel(SpendingBook spending, BudgetBook budgets, MotionBook motions, CommunityWriter writer, Journal journal) : PortalPage
{
    /// <summary>A whole form with its files: more than one attachment's worth, far less than twenty.</summary>
    public const long MaxFormBytes = 64L * 1024 * 1024;

    protected override string[] PageRoles => Roles.Staff;

    public string? Payee { get; private set; }
    public string? Amount { get; private set; }
    public string? Account { get; private set; }
    public string? BudgetLine { get; private set; }
    public string? Description { get; private set; }

    /// <summary>The lines of the budget in force, offered as accounts to pick from.</summary>
    public IReadOnlyList<global::Ledger.Domain.Store.BudgetLine> Lines { get; private set; } = [];

    private IReadOnlyDictionary<string, AccountDef> _chart = new Dictionary<string, AccountDef>();

    /// <summary>A line as a person picks it: its account's code and name in the page's language ("6103 保洁费").</summary>
    public string LineLabel(global::Ledger.Domain.Store.BudgetLine line) =>
        _chart.TryGetValue(line.Account, out var account) ? $"{line.Account} {(T.IsEnglish ? account.NameEn : account.Name)}" : line.Account;

    private async Task LoadAsync()
    {
        var adopted = (await budgets.ListAsync(Community!.Id)).Where(b => b.Status == BudgetStatus.Adopted)
            .OrderByDescending(b => b.FiscalYear).ThenByDescending(b => b.Version).FirstOrDefault();
        Lines = adopted?.Lines ?? [];
        if (Lines.Count > 0) _chart = await journal.ChartAsync(Community!.Id);
    }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync([FromForm] string? payee, [FromForm] string? amount, [FromForm] string? account,
        [FromForm] string? budgetLine, [FromForm] string? description, [FromForm] string? formId)
    {
        (Payee, Amount, Account, BudgetLine, Description) = (payee, amount?.Trim(), account?.Trim(), budgetLine?.Trim(), description);
        await LoadAsync();
        if (!TryAmount(Amount, out var fen)) return Page();
        var files = Request.Form.Files.GetFiles("files").Where(f => f.Length > 0).ToList();
        if (files.Count > 20) { Fail(Codes.ValidationFailed, T["tooManyFiles"]); return Page(); }
        if (files.Any(f => f.Length > SpendingBook.MaxAttachmentBytes)) { Fail(new Failure(Codes.PayloadTooLarge, T["fileTooLarge"], 413)); return Page(); }
        var contents = new List<byte[]>();
        foreach (var file in files)
        {
            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, HttpContext.RequestAborted);
            contents.Add(buffer.ToArray());
        }
        string[] shas = [.. contents.Select(c => Convert.ToHexStringLower(SHA256.HashData(c))).Distinct()];
        var body = new SpendingRequestBody(payee, fen, Account, string.IsNullOrEmpty(BudgetLine) ? null : BudgetLine, description, shas);
        if (!await ValidAsync(body)) return Page();

        await motions.AdvanceDueAsync(Community!, writer); // which budget is in force decides the reservation, as in the API
        var filed = await WriteAsync(KeyOf(formId), Fingerprint(payee, Amount, Account, BudgetLine, description, string.Join(',', shas)), async scope =>
        {
            foreach (var content in contents)
            {
                var stored = await spending.StoreAttachmentAsync(scope, content);
                if (!stored.Ok) return stored.Failure!;
            }
            return await spending.FileAsync(scope, new NewSpendingRequest(body.Payee!.Trim(), fen, body.Account!, body.BudgetLine, body.Description!.Trim(), shas));
        });
        if (!filed.Ok) { Fail(filed.Failure!); return Page(); }
        Notice = T.Format("requestFiled", filed.Value!.Id);
        return SeeOther($"/app/{C}/spending/{filed.Value.Id}");
    }
}
