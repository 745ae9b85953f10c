using FluentValidation;
using Ledger.Api.Budgets;
using Ledger.Api.Infrastructure;
using Ledger.Api.Spending;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Decisions;

public sealed record ProposalBody(string? Title, string? Body);
public sealed record PaperBallotBody(long? UnitId, string? Choice, string? Scan);
public sealed record FollowUpBody(string? Status, string? Note, string[]? Attachments);

public sealed record ProposalDto(long Id, string Title, string Body, string Status, ShareDto Support, ShareDto Total, string CreatedAt,
    string? QualifiedAt, string? RespondBy, long? MotionId)
{
    public static ProposalDto From(ProposalView p) => new(p.Id, p.Title, p.Body, p.Status, ShareDto.From(p.Support), ShareDto.From(p.Total), p.CreatedAt,
        p.QualifiedAt, p.RespondBy, p.MotionId);
}

public sealed class ProposalValidator : AbstractValidator<ProposalBody>
{
    public ProposalValidator()
    {
        RuleFor(r => r.Title).Text(200);
        RuleFor(r => r.Body).NotEmpty().MaximumLength(20_000);
    }
}

public sealed class PaperBallotValidator : AbstractValidator<PaperBallotBody>
{
    public PaperBallotValidator()
    {
        RuleFor(r => r.UnitId).NotNull().GreaterThan(0);
        RuleFor(r => r.Choice).NotEmpty().Must(c => Choices.All.Contains(c)).WithMessage("yes, no or abstain.");
        RuleFor(r => r.Scan).NotEmpty().Must(SpendingRequestValidator.IsSha256).WithMessage("The lowercase hex SHA-256 of the uploaded scan of the signed form.");
    }
}

public sealed class FollowUpValidator : AbstractValidator<FollowUpBody>
{
    public FollowUpValidator()
    {
        RuleFor(r => r.Status).NotEmpty().Must(s => FollowUpStatus.All.Contains(s)).WithMessage("planned, in_progress or done.");
        RuleFor(r => r.Note).Text(4000);
        RuleFor(r => r.Attachments).NotNull().Must(a => a is null || a.Length <= 20).WithMessage("At most 20 attachments.");
        RuleForEach(r => r.Attachments).Must(SpendingRequestValidator.IsSha256).WithMessage("A lowercase hex SHA-256 from POST …/attachments.");
    }
}

/// <summary>
/// Owners' decisions around the vote (DESIGN.md section 10): proposals and their support, paper ballots,
/// and the follow-up of passed motions. Motions themselves and online ballots are in <see cref="BudgetEndpoints"/>.
/// </summary>
public static class DecisionEndpoints
{
    public static IServiceCollection AddDecisions(this IServiceCollection services)
    {
        services.AddSingleton<ProposalBook>();
        services.AddSingleton<DecisionBook>();
        services.AddSingleton<IValidator<ProposalBody>, ProposalValidator>();
        services.AddSingleton<IValidator<PaperBallotBody>, PaperBallotValidator>();
        services.AddSingleton<IValidator<FollowUpBody>, FollowUpValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapDecisions(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Decisions");
        group.MapPost("/proposals", Propose).Validate<ProposalBody>().Allow(Roles.Owner).Produces<ProposalDto>(201);
        group.MapPost("/proposals/{id:long}/support", Support).Allow(Roles.Owner).Produces<ProposalDto>();
        group.MapPost("/motions/{id:long}/paper-ballots", RecordPaper).Validate<PaperBallotBody>().Allow(Roles.Committee).Produces<BallotReceiptDto>(201);
        // Each line names a unit and its scan shows the choice: the committee and the supervisor only (403 forbidden to others).
        group.MapGet("/motions/{id:long}/paper-ballots", PaperBallots).Allow(Roles.PaperBallotReaders).Produces<Page<PaperBallotView>>();
        group.MapPost("/motions/{id:long}/follow-ups", FollowUp).Validate<FollowUpBody>().Allow(Roles.Trustee, Roles.TrusteeManager, Roles.Committee).Produces<FollowUpView>(201);
        // Proposals, their support totals and status are public; supporters are never listed.
        app.MapGet("/api/v1/communities/{c}/proposals", ListProposals).AllowAnonymous().WithTags("Decisions").Produces<Page<ProposalDto>>();
        app.MapGet("/api/v1/communities/{c}/proposals/{id:long}", GetProposal).AllowAnonymous().WithTags("Decisions").Produces<ProposalDto>();
        return app;
    }

    private static Task<IResult> Propose(ProposalBody body, HttpContext http, Writes writes, ProposalBook proposals, CurrentCommunity current) =>
        writes.RunAsync(http, body, async scope =>
        {
            var created = await proposals.CreateAsync(scope, current.UserId, body.Title!.Trim(), body.Body!);
            return created.Ok ? Result<ProposalDto>.From(ProposalDto.From(created.Value!)) : created.Failure!;
        });

    private static Task<IResult> Support(long id, HttpContext http, Writes writes, ProposalBook proposals, CurrentCommunity current) =>
        writes.RunAsync(http, new { id }, async scope =>
        {
            var supported = await proposals.SupportAsync(scope, id, current.UserId);
            return supported.Ok ? Result<ProposalDto>.From(ProposalDto.From(supported.Value!)) : supported.Failure!;
        }, StatusCodes.Status200OK);

    private static async Task<IResult> ListProposals(string c, int? limit, string? after, CommunityBook communities, ProposalBook proposals, TimeProvider clock)
    {
        var community = await communities.FindAsync(c);
        if (community is null) return Problems.NotFound("The community");
        return Paging.Slice((await proposals.ListAsync(community.Id, clock.GetUtcNow())).Select(ProposalDto.From).ToList(), limit, after, p => Paging.Descending(p.Id));
    }

    private static async Task<IResult> GetProposal(string c, long id, CommunityBook communities, ProposalBook proposals, TimeProvider clock)
    {
        var community = await communities.FindAsync(c);
        if (community is null) return Problems.NotFound("The proposal");
        return await proposals.FindAsync(community.Id, id, clock.GetUtcNow()) is { } p ? TypedResults.Ok(ProposalDto.From(p)) : Problems.NotFound("The proposal");
    }

    private static Task<IResult> RecordPaper(long id, PaperBallotBody body, HttpContext http, Writes writes, DecisionBook decisions) =>
        writes.RunAsync(http, body, async scope =>
        {
            var receipt = await decisions.RecordPaperAsync(scope, id, body.UnitId!.Value, body.Choice!, body.Scan!);
            return receipt.Ok ? Result<BallotReceiptDto>.From(new BallotReceiptDto(receipt.Value!)) : receipt.Failure!;
        });

    private static async Task<IResult> PaperBallots(long id, int? limit, string? after, CurrentCommunity current, DecisionBook decisions) =>
        await decisions.PaperBallotsAsync(current.Community.Id, id) is { } ballots
            ? Paging.Slice(ballots, limit, after, b => Paging.Ascending(b.BallotId))
            : Problems.NotFound($"Motion {id}");

    private static Task<IResult> FollowUp(long id, FollowUpBody body, HttpContext http, Writes writes, DecisionBook decisions, CurrentCommunity current) =>
        writes.RunAsync(http, body, async scope =>
            await decisions.FollowUpAsync(scope, id, body.Status!, body.Note!.Trim(), body.Attachments!,
                current.Has(Roles.Trustee, Roles.TrusteeManager) ? "trustee" : "committee"));
}
