using Ledger.Api.Spending;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>Owners' and supervisors' queries (质询) with the trustee's public answers: ask, read, and for staff answer.</summary>
public sealed class InquiriesModel(InquiryBook inquiries, TimeProvider clock) : PortalPage
{
    public static readonly string[] Subjects = ["statement", "spendingRequest", "entry"];

    public IReadOnlyList<InquiryView> Items { get; private set; } = [];
    public string Subject { get; private set; } = "statement";
    public string? SubjectId { get; private set; }
    public string? Question { get; private set; }

    private async Task LoadAsync() =>
        Items = [.. (await inquiries.ListAsync(Community!, clock.GetUtcNow(), null)).OrderByDescending(q => q.Id)];

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAskAsync([FromForm] string? subject, [FromForm] string? subjectId, [FromForm] string? question, [FromForm] string? formId)
    {
        if (!Has(Roles.Owner, Roles.Supervisor)) return StatusPage(403);
        (Subject, SubjectId, Question) = (subject ?? "statement", subjectId, question);
        var body = new InquiryBody(subject, subjectId, question);
        if (await ValidAsync(body))
        {
            var asked = await WriteAsync(KeyOf(formId), Fingerprint(subject, subjectId, question), async scope =>
                await inquiries.AskAsync(scope, subject!, subjectId!.Trim(), question!.Trim()));
            if (asked.Ok)
            {
                Notice = T["queryRecorded"];
                return SeeOther($"/app/{C}/queries");
            }
            Fail(asked.Failure!);
        }
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAnswerAsync([FromForm] long? queryId, [FromForm] string? answer, [FromForm] string? formId)
    {
        if (!Has(Roles.Staff)) return StatusPage(403);
        if (queryId is not { } id) return StatusPage(404);
        if (await ValidAsync(new AnswerBody(answer)))
        {
            var answered = await WriteAsync(KeyOf(formId), Fingerprint(id.ToString(System.Globalization.CultureInfo.InvariantCulture), answer), async scope =>
                await inquiries.AnswerAsync(scope, id, answer!.Trim()), 200);
            if (answered.Ok)
            {
                Notice = T["answerRecorded"];
                return SeeOther($"/app/{C}/queries");
            }
            if (answered.Failure!.Status == 404) return StatusPage(404);
            Fail(answered.Failure);
        }
        await LoadAsync();
        return Page();
    }
}
