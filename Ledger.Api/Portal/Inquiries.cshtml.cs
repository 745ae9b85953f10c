using System.Globalization;
using Ledger.Api.Accountability;
using Ledger.Api.Spending;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>
/// Owners' and supervisors' queries (质询) with the trustee's public answers: ask, read, for staff answer; the
/// asker rates the answer (<c>POST …/queries/{id}/rating</c>) and the supervisor records a finding on an
/// escalated or overdue query (<c>POST …/queries/{id}/finding</c>), through <see cref="InquiryBook"/> with the API's rules.
/// </summary>
public sealed class InquiriesModel(InquiryBook inquiries, TimeProvider clock) : PortalPage
{
    public static readonly string[] Subjects = ["statement", "spendingRequest", "entry"];

    public IReadOnlyList<InquiryView> Items { get; private set; } = [];
    public string Subject { get; private set; } = "statement";
    public string? SubjectId { get; private set; }
    public string? Question { get; private set; }

    /// <summary>The queries this person asked: only the asker is offered the rating form.</summary>
    public IReadOnlySet<long> Mine { get; private set; } = new HashSet<long>();

    /// <summary>Escalated and overdue queries first for the supervisor, who records the finding.</summary>
    private async Task LoadAsync()
    {
        var all = await inquiries.ListAsync(Community!, clock.GetUtcNow(), null, new InquiryReader(UserId, MyRoles));
        Items = [.. all.OrderBy(q => Has(Roles.Supervisor) && InquiryLoop.AwaitsFinding(q.Status) ? 0 : 1).ThenByDescending(q => q.Id)];
        if (Has(Roles.Owner, Roles.Supervisor)) Mine = (await inquiries.AskedByAsync(Community!.Id, UserId)).ToHashSet(); // those who may ask
    }

    /// <summary>The rating form's comment is labelled 说明 (required when not satisfied), not a decision's 意见.</summary>
    protected override IReadOnlyDictionary<string, string> FieldLabels { get; } = new Dictionary<string, string> { ["comment"] = "ratingComment" };

    public bool MayRate(InquiryView q) => Mine.Contains(q.Id) && q.Answer is not null && q.Rating is null && q.Status != InquiryLoop.Closed;

    // Whoever holds a trustee role judges no answer of the trustee (InquiryBook.FindAsync: trustee_cannot_approve); the form is not offered.
    public bool MayFind(InquiryView q) => Has(Roles.Supervisor) && !Has(Roles.Staff) && InquiryLoop.AwaitsFinding(q.Status);

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
            if (Outcome(answered, _ => T["answerRecorded"], $"/app/{C}/queries") is { } next) return next;
        }
        await LoadAsync();
        return Page();
    }

    /// <summary>Any member may send it, as in the API; only the asker gets through (403 not_the_asker).</summary>
    public async Task<IActionResult> OnPostRateAsync([FromForm] long? queryId, [FromForm] string? satisfied, [FromForm] string? comment, [FromForm] string? formId)
    {
        if (queryId is not { } id) return StatusPage(404);
        bool? verdict = satisfied switch { "true" => true, "false" => false, _ => null };
        var body = new RatingBody(verdict, comment);
        if (await ValidAsync(body))
        {
            var rated = await WriteAsync(KeyOf(formId), Fingerprint(id.ToString(CultureInfo.InvariantCulture), satisfied, comment), async scope =>
                await inquiries.RateAsync(scope, id, verdict!.Value, comment?.Trim() ?? ""), 200);
            if (Outcome(rated, _ => T["ratingRecorded"], $"/app/{C}/queries#query-{id}") is { } next) return next;
        }
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostFindingAsync([FromForm] long? queryId, [FromForm] string? finding, [FromForm] string? upheld, [FromForm] string? formId)
    {
        if (!Has(Roles.Supervisor)) return StatusPage(403);
        if (queryId is not { } id) return StatusPage(404);
        bool? verdict = upheld switch { "true" => true, "false" => false, _ => null };
        if (await ValidAsync(new FindingBody(finding, verdict)))
        {
            var found = await WriteAsync(KeyOf(formId), Fingerprint(id.ToString(CultureInfo.InvariantCulture), finding, upheld), async scope =>
                await inquiries.FindAsync(scope, id, finding!.Trim(), verdict!.Value, MyRoles), 200);
            if (Outcome(found, _ => T["findingRecorded"], $"/app/{C}/queries#query-{id}") is { } next) return next;
        }
        await LoadAsync();
        return Page();
    }
}
