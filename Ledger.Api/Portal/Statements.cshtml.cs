using Ledger.Api.Statements;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>
/// Statements in sign-off: each period's latest version, drafts first with the end of their sign-off
/// window and the remarks so far; the supervisor's remarks form (<c>POST …/statements/{period}/remarks</c>)
/// and the community admin's publish button (<c>POST …/statements/{period}/publish</c>), through
/// <see cref="StatementBook"/> with the API's roles and codes. Drafts are for the roles the API shows them to,
/// plus the community admin who publishes them.
/// </summary>
public sealed class StatementsModel(StatementBook statements) : PortalPage
{
    protected override string[] PageRoles => [.. Roles.StaffAndSupervisor, Roles.CommunityAdmin];

    public IReadOnlyList<StatementRecord> Items { get; private set; } = [];
    public string? RemarkPeriod { get; private set; }
    public string? Text { get; private set; }

    private async Task LoadAsync()
    {
        var latest = (await statements.ListAsync(Community!.Id, includeDrafts: true)).GroupBy(s => s.Period).Select(g => g.MaxBy(s => s.Version)!);
        // Drafts first, then the latest period first; of periods ending in the same month, the month before its quarter and year.
        Items = [.. latest.OrderBy(s => s.Status == "draft" ? 0 : 1).ThenByDescending(s => Span(s).To).ThenByDescending(s => Span(s).From).Take(24)];
    }

    private Period Span(StatementRecord s) =>
        Period.TryParse(s.Period, Community!.FiscalYearStartMonth, out var period) ? period : Period.OfMonth(default);

    public async Task OnGetAsync() => await LoadAsync();

    protected override IReadOnlyDictionary<string, string> FieldLabels { get; } = new Dictionary<string, string> { ["text"] = "remarkText" };

    public async Task<IActionResult> OnPostRemarkAsync([FromForm] string? period, [FromForm] string? text, [FromForm] string? formId)
    {
        if (!Has(Roles.Supervisor)) return StatusPage(403);
        if (!Period.TryParse(period, Community!.FiscalYearStartMonth, out var p)) return StatusPage(404);
        (RemarkPeriod, Text) = (p.Text, text);
        if (await ValidAsync(new RemarkBody(text)))
        {
            var remarked = await WriteAsync(KeyOf(formId), Fingerprint(p.Text, text), async scope =>
            {
                var r = await statements.RemarkAsync(scope, p, text!.Trim(), MyRoles);
                return r.Ok ? Result<StatementSummary>.From(StatementSummary.From(r.Value!)) : r.Failure!;
            });
            if (Outcome(remarked, _ => T.Format("remarkRecorded", p.Text), $"/app/{C}/statements#s-{p.Text}") is { } next) return next;
        }
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostPublishAsync([FromForm] string? period, [FromForm] string? formId)
    {
        if (!Has(Roles.CommunityAdmin)) return StatusPage(403);
        if (!Period.TryParse(period, Community!.FiscalYearStartMonth, out var p)) return StatusPage(404);
        var published = await WriteAsync(KeyOf(formId), Fingerprint(p.Text), async scope =>
        {
            var r = await statements.PublishAsync(scope, p);
            return r.Ok ? Result<StatementSummary>.From(StatementSummary.From(r.Value!)) : r.Failure!;
        }, 200);
        if (Outcome(published, _ => T.Format("statementPublishedNotice", p.Text), $"/app/{C}/statements#s-{p.Text}") is { } next) return next;
        await LoadAsync();
        return Page();
    }
}
