using System.Globalization;
using FluentValidation;
using Ledger.Api.Fees;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Spending;

public sealed record SpendingRequestBody(string? Payee, long? Amount, string? Account, string? BudgetLine, string? Description, string[]? Attachments);
public sealed record DecisionBody(string? Decision, string? Comment);
public sealed record PaymentBody(string? PaidAt, string? BankRef, string? Voucher);
public sealed record AccrualBody(string? Month);
public sealed record InquiryBody(string? Subject, [property: System.Text.Json.Serialization.JsonConverter(typeof(StringOrInteger))] string? SubjectId, string? Question);
public sealed record AnswerBody(string? Answer);

public sealed class SpendingRequestValidator : AbstractValidator<SpendingRequestBody>
{
    public SpendingRequestValidator()
    {
        RuleFor(r => r.Payee).Text(200);
        RuleFor(r => r.Amount).NotNull().GreaterThan(0).LessThanOrEqualTo(EntryRules.MaxAmountFen);
        RuleFor(r => r.Account).NotEmpty().Must(a => a is null || Ledger.PostEntryValidator.AccountCode().IsMatch(a)).WithMessage("An account code.");
        RuleFor(r => r.BudgetLine).Must(a => a is null || Ledger.PostEntryValidator.AccountCode().IsMatch(a)).WithMessage("An expense account code.");
        RuleFor(r => r.Description).Text(2000);
        RuleFor(r => r.Attachments).NotNull().Must(a => a is null || a.Length <= 20).WithMessage("At most 20 attachments.");
        RuleForEach(r => r.Attachments).Must(IsSha256).WithMessage("A lowercase hex SHA-256 from POST …/attachments.");
    }

    public static bool IsSha256(string? s) => s is { Length: 64 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

public sealed class DecisionValidator : AbstractValidator<DecisionBody>
{
    public DecisionValidator()
    {
        RuleFor(r => r.Decision).NotEmpty().Must(d => d is "approve" or "reject").WithMessage("approve or reject.");
        RuleFor(r => r.Comment).NotNull().MaximumLength(2000);
        RuleFor(r => r.Comment).NotEmpty().When(r => r.Decision == "reject").WithMessage("Say why the request is rejected.");
    }
}

public sealed class PaymentBodyValidator : AbstractValidator<PaymentBody>
{
    public PaymentBodyValidator()
    {
        RuleFor(r => r.PaidAt).NotEmpty().Must(Moment.IsMoment).WithMessage("A date (2026-11-21) or an ISO 8601 instant.");
        RuleFor(r => r.BankRef).NotEmpty().MaximumLength(100).Must(ValidationExtensions.IsVisibleAscii).WithMessage("1 to 100 visible ASCII characters.");
        RuleFor(r => r.Voucher).Must(v => v is null || SpendingRequestValidator.IsSha256(v)).WithMessage("A lowercase hex SHA-256 of an uploaded attachment.");
    }
}

public sealed class AccrualValidator : AbstractValidator<AccrualBody>
{
    public AccrualValidator() => RuleFor(r => r.Month).MonthText();
}

public sealed class InquiryValidator : AbstractValidator<InquiryBody>
{
    public InquiryValidator()
    {
        RuleFor(r => r.Subject).NotEmpty().Must(s => s is "entry" or "statement" or "spendingRequest").WithMessage("entry, statement or spendingRequest.");
        RuleFor(r => r.SubjectId).NotEmpty().MaximumLength(40);
        RuleFor(r => r.Question).NotEmpty().MaximumLength(4000);
    }
}

public sealed class AnswerValidator : AbstractValidator<AnswerBody>
{
    public AnswerValidator() => RuleFor(r => r.Answer).NotEmpty().MaximumLength(8000);
}

public sealed record AccrualDto(string Month, long Amount, long Basis, long? Seq, bool Created);

public static class SpendingEndpoints
{
    /// <summary>Spending requests and owners' inquiries: their books and validators.</summary>
    public static IServiceCollection AddSpending(this IServiceCollection services)
    {
        services.AddSingleton<SpendingBook>();
        services.AddSingleton<InquiryBook>();
        services.AddSingleton<IValidator<SpendingRequestBody>, SpendingRequestValidator>();
        services.AddSingleton<IValidator<DecisionBody>, DecisionValidator>();
        services.AddSingleton<IValidator<PaymentBody>, PaymentBodyValidator>();
        services.AddSingleton<IValidator<AccrualBody>, AccrualValidator>();
        services.AddSingleton<IValidator<InquiryBody>, InquiryValidator>();
        services.AddSingleton<IValidator<AnswerBody>, AnswerValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapSpending(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Spending");
        group.MapPost("/attachments", Upload).Allow(Roles.StaffAndOversight) // the committee uploads paper ballots' scans
            .WithMetadata(new RequestSizeLimitAttribute(SpendingBook.MaxAttachmentBytes + 1024 * 1024)).TakesFile("file").Produces<AttachmentView>(201);
        group.MapGet("/attachments/{sha256}", Download).Allow(Roles.Community).Produces<Stream>(200, Uploads.Pdf, Uploads.Png, Uploads.Jpeg);
        group.MapPost("/spending-requests", File).Validate<SpendingRequestBody>().Allow(Roles.Staff).Produces<SpendingRequestView>(201);
        group.MapGet("/spending-requests", List).Allow(Roles.StaffAndOversight).Produces<Page<SpendingRequestView>>();
        group.MapGet("/spending-requests/{id:long}", Get).Allow(Roles.StaffAndOversight).Produces<SpendingRequestView>();
        group.MapPost("/spending-requests/{id:long}/decisions", Decide).Validate<DecisionBody>().Allow(Roles.Supervisor, Roles.Committee).Produces<SpendingRequestView>();
        group.MapPost("/spending-requests/{id:long}/payment", Pay).Validate<PaymentBody>().KeyedBy("bankRef").Allow(Roles.Staff).Produces<SpendingRequestView>(201);
        group.MapPost("/spending-requests/{id:long}/cancel", Cancel).Allow(Roles.Staff).Produces<SpendingRequestView>();
        group.MapPost("/remuneration-accruals", Accrue).Validate<AccrualBody>().Allow(Roles.TrusteeManager).Produces<AccrualDto>();
        group.MapPost("/queries", Ask).Validate<InquiryBody>().Allow(Roles.Owner, Roles.Supervisor).Produces<InquiryView>(201);
        group.MapPost("/queries/{id:long}/answer", Answer).Validate<AnswerBody>().Allow(Roles.Staff).Produces<InquiryView>();
        group.MapGet("/queries", ListInquiries).Allow(Roles.Community).Produces<Page<InquiryView>>();
        group.MapGet("/audit", Audit).Allow([.. Roles.StaffAndOversight, Roles.PlatformAdmin]).Produces<Page<AuditRecord>>();
        return app;
    }

    private static async Task<IResult> Upload(HttpContext http, Writes writes, SpendingBook spending)
    {
        if (!http.Request.HasFormContentType)
            return Problems.From(new Failure(Codes.UnsupportedMediaType, "Upload the file as multipart/form-data.", 415));
        IFormCollection form;
        try { form = await http.Request.ReadFormAsync(http.RequestAborted); }
        // Kestrel's refusal of a body over the limit is an IOException too (BadHttpRequestException): it stays a 413.
        catch (Exception e) when (e is InvalidDataException or IOException and not BadHttpRequestException)
        {
            return Problems.From(Failure.Invalid(Codes.MalformedRequest, $"The multipart body cannot be read: {e.Message}"));
        }
        var file = form.Files.FirstOrDefault();
        if (file is null) return Problems.Validation("file", "A file is required.");
        if (file.Length > SpendingBook.MaxAttachmentBytes) return Problems.From(new Failure(Codes.PayloadTooLarge, "Attachments are at most 10 MB.", 413));
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, http.RequestAborted);
        var content = buffer.ToArray();
        return await writes.RunAsync(http, new { sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)) },
            async scope => await spending.StoreAttachmentAsync(scope, content));
    }

    private static async Task<IResult> Download(string sha256, CurrentCommunity current, SpendingBook spending, HttpContext http)
    {
        if (!SpendingRequestValidator.IsSha256(sha256)) return Problems.NotFound("The attachment");
        var file = await spending.AttachmentAsync(current.Community.Id, sha256, ballotScans: current.Has(Roles.PaperBallotReaders));
        if (file is not { } f) return Problems.NotFound("The attachment");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(f.Content, f.ContentType, sha256[..12] + Uploads.Extension(f.ContentType));
    }

    // Filing and paying depend on motions' outcomes (the budget in force, a passed spending vote): the
    // motions whose time has come are persisted first, each in its own transaction.
    private static async Task<IResult> File(SpendingRequestBody body, HttpContext http, Writes writes, SpendingBook spending, CurrentCommunity current,
        MotionBook motions, CommunityWriter writer)
    {
        await motions.AdvanceDueAsync(current.Community, writer);
        return await writes.RunAsync(http, body, async scope => await spending.FileAsync(scope,
            new NewSpendingRequest(body.Payee!.Trim(), body.Amount!.Value, body.Account!, body.BudgetLine, body.Description!.Trim(), body.Attachments!)));
    }

    // Reads derive expiry from the clock and never write; the job and the writes persist it.
    private static async Task<IResult> List(string? status, int? limit, string? after, CurrentCommunity current, SpendingBook spending, TimeProvider clock)
    {
        if (status is not null && !new[] { "pending", "approved", "rejected", "cancelled", "expired", "paid" }.Contains(status))
            return Problems.Validation("status", "pending, approved, rejected, cancelled, expired or paid.");
        return Paging.Slice(await spending.ListAsync(current.Community.Id, status, clock.GetUtcNow()), limit, after, r => Paging.Ascending(r.Id));
    }

    private static async Task<IResult> Get(long id, CurrentCommunity current, SpendingBook spending, TimeProvider clock) =>
        await spending.GetAsync(current.Community.Id, id, clock.GetUtcNow()) is { } r ? TypedResults.Ok(r) : Problems.NotFound($"Spending request {id}");

    private static Task<IResult> Decide(long id, DecisionBody body, HttpContext http, Writes writes, SpendingBook spending, CurrentCommunity current) =>
        writes.RunAsync(http, body, async scope => await spending.DecideAsync(scope, id, current.UserId, current.Roles, body.Decision!, body.Comment!.Trim()),
            StatusCodes.Status200OK);

    private static async Task<IResult> Pay(long id, PaymentBody body, HttpContext http, Writes writes, SpendingBook spending, CurrentCommunity current,
        MotionBook motions, CommunityWriter writer)
    {
        await motions.AdvanceDueAsync(current.Community, writer);
        Moment.TryDate(body.PaidAt, current.Community.Zone, out var paidOn);
        // The bank reference identifies the payment: a retry replays it, another payment of a paid request is 409 already_paid.
        return await writes.RunAsync(http, body, async scope => await spending.PayAsync(scope, id, paidOn, body.BankRef!, body.Voucher),
            naturalKey: $"spending-payment:{id}:{body.BankRef}");
    }

    private static Task<IResult> Cancel(long id, HttpContext http, Writes writes, SpendingBook spending) =>
        writes.RunAsync(http, new { id }, async scope => await spending.CancelAsync(scope, id), StatusCodes.Status200OK);

    private static Task<IResult> Accrue(AccrualBody body, HttpContext http, Writes writes, SpendingBook spending) =>
        writes.RunAsync(http, body, async scope =>
        {
            var result = await spending.AccrueRemunerationAsync(scope, Month.Parse(body.Month!));
            if (!result.Ok) return result.Failure!;
            var (amount, basis, seq, created) = result.Value;
            return Result<AccrualDto>.From(new AccrualDto(body.Month!, amount, basis, seq, created));
        }, statusOf: _ => StatusCodes.Status200OK);

    private static Task<IResult> Ask(InquiryBody body, HttpContext http, Writes writes, InquiryBook queries) =>
        writes.RunAsync(http, body, async scope => await queries.AskAsync(scope, body.Subject!, body.SubjectId!.Trim(), body.Question!.Trim()));

    private static Task<IResult> Answer(long id, AnswerBody body, HttpContext http, Writes writes, InquiryBook queries) =>
        writes.RunAsync(http, body, async scope => await queries.AnswerAsync(scope, id, body.Answer!.Trim()), StatusCodes.Status200OK);

    private static async Task<IResult> ListInquiries(string? status, int? limit, string? after, CurrentCommunity current, InquiryBook queries, TimeProvider clock)
    {
        if (status is not null && !InquiryLoop.Statuses.Contains(status)) return Problems.Validation("status", string.Join(", ", InquiryLoop.Statuses) + ".");
        return Paging.Slice(await queries.ListAsync(current.Community, clock.GetUtcNow(), status, new InquiryReader(current.UserId, current.Roles)), limit, after, q => Paging.Ascending(q.Id));
    }

    /// <summary>The audit trail, each record as its reader may see it (<see cref="AuditRecord.ShownTo"/>).</summary>
    private static async Task<IResult> Audit(int? limit, string? after, HttpContext http, CurrentCommunity current, AuditBook audit)
    {
        var (admin, checksBallots) = (http.User.IsPlatformAdmin(), current.Has(Roles.PaperBallotReaders));
        if (!Paging.TryRead(limit, after, out var take, out var afterId, out var problem)) return problem!;
        var rows = await audit.PageAsync(current.Community.Id, afterId, take + 1);
        return TypedResults.Ok(Paging.Of(rows, take, r => r.Id, r => r.ShownTo(admin, checksBallots)));
    }
}
