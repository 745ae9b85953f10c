using System.Globalization;
using Ledger.Api.Budgets;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>
/// The committee or the community admin opens a vote, as <c>POST …/motions</c>: the API's validator, then
/// <see cref="MotionBook.CreateAsync"/> after the due motions are persisted, with its rules (a budget vote
/// names a published budget; the notice period, notice_too_short). Times are typed in the community's zone.
/// Participation is then watched on the motion's own page.
/// </summary>
public sealed class MotionNewModel(MotionBook motions, CommunityWriter writer) : PortalPage
{
    public const string LocalFormat = "yyyy-MM-dd'T'HH:mm";

    protected override string[] PageRoles => [Roles.CommunityAdmin, Roles.Committee];

    public string Kind { get; private set; } = "other";
    public string? SubjectId { get; private set; }
    public string? Title { get; private set; }
    public string? Body { get; private set; }
    public string? OpensAt { get; private set; }
    public string? ClosesAt { get; private set; }

    public void OnGet()
    {
        // The earliest whole day after the default notice period, at nine in the morning, for a week.
        var local = TimeZoneInfo.ConvertTime(Now, Community!.Zone);
        var opens = local.Date.AddDays(VoteTerms.Default.NoticeDays + 1).AddHours(9);
        (OpensAt, ClosesAt) = (opens.ToString(LocalFormat, CultureInfo.InvariantCulture), opens.AddDays(7).ToString(LocalFormat, CultureInfo.InvariantCulture));
    }

    /// <summary>A <c>datetime-local</c> value (minutes, optionally seconds) as an instant in the community's zone.</summary>
    public static bool TryLocal(string? text, TimeZoneInfo zone, out DateTimeOffset at)
    {
        at = default;
        if (!DateTime.TryParseExact(text?.Trim(), [LocalFormat, "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return false;
        if (zone.IsInvalidTime(local)) return false;
        at = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
        return true;
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? kind, [FromForm] string? subjectId, [FromForm] string? title, [FromForm] string? body,
        [FromForm] string? opensAt, [FromForm] string? closesAt, [FromForm] string? formId)
    {
        (Kind, SubjectId, Title, Body, OpensAt, ClosesAt) = (kind ?? "", subjectId?.Trim(), title, body, opensAt?.Trim(), closesAt?.Trim());
        var zone = Community!.Zone;
        if (!TryLocal(OpensAt, zone, out var opens)) { Fail(Codes.ValidationFailed, T.Field("opensAt", "dateTimeFormat")); return Page(); }
        if (!TryLocal(ClosesAt, zone, out var closes)) { Fail(Codes.ValidationFailed, T.Field("closesAt", "dateTimeFormat")); return Page(); }
        long? subject = null;
        if (!string.IsNullOrEmpty(SubjectId))
        {
            if (!long.TryParse(SubjectId, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s <= 0)
            {
                Fail(Codes.ValidationFailed, T.Field("motionSubject", "motionSubjectHelp"));
                return Page();
            }
            subject = s;
        }
        var request = new MotionRequest(kind, subject, title, body ?? "", opens, closes);
        if (!await ValidAsync(request)) return Page();
        await motions.AdvanceDueAsync(Community, writer); // which budget is in force decides adoption or amendment, as in the API
        var created = await WriteAsync(KeyOf(formId), Fingerprint(kind, SubjectId, title, body, Dates.Instant(opens), Dates.Instant(closes)), async scope =>
        {
            var result = await motions.CreateAsync(scope, new NewMotion(request.Kind!, request.SubjectId, request.Title!.Trim(), request.Body!, opens, closes));
            return result.Ok ? Result<long>.From(result.Value!.Id) : result.Failure!;
        });
        if (!created.Ok) { Fail(created.Failure!); return Page(); }
        Notice = T["motionCreated"];
        return SeeOther($"/app/{C}/motions/{created.Value}");
    }
}
