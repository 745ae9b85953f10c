using System.Globalization;
using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Budgets;

public sealed record BudgetLineRequest(string? Account, long? Amount, string? Note);
public sealed record BudgetRequest(int? FiscalYear, List<BudgetLineRequest>? Lines, List<BudgetLineRequest>? Income)
{
    public BudgetDraft ToDraft() => new(FiscalYear!.Value,
        Lines!.Select(l => new BudgetLine(l.Account!, l.Amount!.Value, l.Note ?? "")).ToList(),
        (Income ?? []).Select(l => new BudgetLine(l.Account!, l.Amount!.Value, l.Note ?? "")).ToList());
}
public sealed record CommentRequest(string? Text);
public sealed record MotionRequest(string? Kind, long? SubjectId, string? Title, string? Body, DateTimeOffset? OpensAt, DateTimeOffset? ClosesAt, long? ProposalId = null);
public sealed record BallotRequest(string? Choice);
public sealed record BallotReceiptDto(string Receipt);
public sealed record BudgetExecutionDto(long BudgetId, int FiscalYear, string Status, IReadOnlyList<ExecutionLine> Lines);

public sealed record ShareDto(decimal Area, long Headcount)
{
    public static ShareDto From(Share s) => new(Domain.Model.Fees.AreaM2(s.Area), s.Headcount);
}
public sealed record TotalsDto(ShareDto Eligible, ShareDto Participating, ShareDto Yes, ShareDto No, ShareDto Abstain);
public sealed record MotionResultDto(long MotionId, string Kind, string Threshold, string Status, bool? QuorumMet, bool? Passed, TotalsDto Totals,
    IReadOnlyList<ReceiptLine> Receipts, string ClosesAt, QuorumDto? Quorum = null, ChannelCounts? Channels = null, IReadOnlyList<FollowUpView>? FollowUps = null);
/// <summary>While a vote is open: the participation that meets the quorum, and what is still missing.</summary>
public sealed record QuorumDto(ShareDto Needed, ShareDto Missing);
public sealed record MotionDto(long Id, string Kind, string Threshold, long? SubjectId, string Title, string Body, string OpensAt, string ClosesAt,
    string Status, bool FollowMajority, MotionResultDto? Result, long? ProposalId = null);

public sealed class BudgetValidator : AbstractValidator<BudgetRequest>
{
    public BudgetValidator()
    {
        RuleFor(r => r.FiscalYear).NotNull().InclusiveBetween(2000, 2999);
        RuleFor(r => r.Lines).NotEmpty().Must(l => l is null || l.Count <= 200).WithMessage("1 to 200 lines.")
            .Must(l => l is null || l.Select(x => x?.Account).Distinct().Count() == l.Count).WithMessage("Each account once.");
        RuleFor(r => r.Income).Must(l => l is null || (l.Count <= 50 && l.Select(x => x?.Account).Distinct().Count() == l.Count)).WithMessage("At most 50 lines, each account once.");
        RuleForEach(r => r.Lines).NotNull().SetValidator(new LineValidator());
        RuleForEach(r => r.Income).NotNull().SetValidator(new LineValidator());
    }

    private sealed class LineValidator : AbstractValidator<BudgetLineRequest>
    {
        public LineValidator()
        {
            RuleFor(l => l.Account).NotEmpty().Must(a => a is null || Ledger.PostEntryValidator.AccountCode().IsMatch(a)).WithMessage("An account code.");
            RuleFor(l => l.Amount).NotNull().InclusiveBetween(0, EntryRules.MaxAmountFen);
            RuleFor(l => l.Note).MaximumLength(500);
        }
    }
}

public sealed class CommentValidator : AbstractValidator<CommentRequest>
{
    public CommentValidator() => RuleFor(r => r.Text).NotEmpty().MaximumLength(2000);
}

public sealed class MotionValidator : AbstractValidator<MotionRequest>
{
    public MotionValidator()
    {
        RuleFor(r => r.Kind).NotEmpty().Must(k => MotionKinds.All.Contains(k)).WithMessage($"One of: {string.Join(", ", MotionKinds.All)}.");
        RuleFor(r => r.Title).Text(200);
        RuleFor(r => r.Body).NotNull().MaximumLength(20_000);
        RuleFor(r => r.OpensAt).NotNull().Must(t => t is null || t.Value.Year is >= 2000 and <= 2999);
        RuleFor(r => r.ClosesAt).NotNull().GreaterThan(r => r.OpensAt).WithMessage("After opensAt.")
            .Must((r, t) => t is null || r.OpensAt is null || t - r.OpensAt <= TimeSpan.FromDays(366)).WithMessage("At most a year after opensAt.");
        RuleFor(r => r.ProposalId).GreaterThan(0);
        RuleFor(r => r.SubjectId).NotNull().When(r => r.Kind is MotionKinds.BudgetAdoption or MotionKinds.BudgetAmendment or MotionKinds.Spending)
            .WithMessage("This kind of motion names its subject.");
    }
}

public sealed class BallotValidator : AbstractValidator<BallotRequest>
{
    public BallotValidator() => RuleFor(r => r.Choice).NotEmpty().Must(c => Choices.All.Contains(c)).WithMessage("yes, no or abstain.");
}

public static class BudgetEndpoints
{
    /// <summary>Budgets and the motions that adopt them: their books and validators.</summary>
    public static IServiceCollection AddBudgets(this IServiceCollection services)
    {
        services.AddSingleton<BudgetBook>();
        services.AddSingleton<MotionBook>();
        services.AddSingleton<IValidator<BudgetRequest>, BudgetValidator>();
        services.AddSingleton<IValidator<CommentRequest>, CommentValidator>();
        services.AddSingleton<IValidator<MotionRequest>, MotionValidator>();
        services.AddSingleton<IValidator<BallotRequest>, BallotValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapBudgets(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Budgets");
        group.MapPost("/budgets", Create).Validate<BudgetRequest>().Allow(Roles.TrusteeManager).Produces<BudgetView>(201);
        group.MapGet("/budgets", List).Allow(Roles.Community).Produces<Page<BudgetView>>();
        group.MapGet("/budgets/{id:long}", Get).Allow(Roles.Community).Produces<BudgetView>();
        group.MapPut("/budgets/{id:long}", Update).Validate<BudgetRequest>().Allow(Roles.TrusteeManager).Produces<BudgetView>();
        group.MapPost("/budgets/{id:long}/publish", Publish).Allow(Roles.TrusteeManager).Produces<BudgetView>();
        group.MapPost("/budgets/{id:long}/comments", Comment).Validate<CommentRequest>().Allow(Roles.Owner).Produces<BudgetComment>(201);
        group.MapGet("/budgets/{id:long}/execution", Execution).Allow(Roles.Community).Produces<BudgetExecutionDto>();
        return app;
    }

    public static IEndpointRouteBuilder MapMotions(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Motions");
        group.MapPost("/motions", CreateMotion).Validate<MotionRequest>().Allow(Roles.CommunityAdmin, Roles.Committee).Produces<MotionDto>(201)
            .WithDescription("Announces a vote. 422 `notice_too_short`, `subject_invalid`, `unknown_proposal`, `proposal_not_qualified`; "
                + "409 `proposal_answered`, `budget_vote_pending` (a vote on a budget of the same fiscal year is announced or open), "
                + "`register_incomplete` (a delivered unit has no owner recorded; the detail names the units). "
                + "A motion answers a proposal in time only if it opens by the proposal's `respondBy`.");
        group.MapGet("/motions", ListMotions).Allow(Roles.Community).Produces<Page<MotionDto>>();
        group.MapGet("/motions/{id:long}", GetMotion).Allow(Roles.Community).Produces<MotionDto>();
        group.MapPost("/motions/{id:long}/ballots", Cast).Validate<BallotRequest>().Allow(Roles.Owner).Produces<BallotReceiptDto>(201);
        // Public once closed: outside the members-only group, so it checks membership itself while open.
        app.MapGet("/api/v1/communities/{c}/motions/{id:long}/result", Result).AllowAnonymous().WithTags("Motions").Produces<MotionResultDto>().ProducesProblem(409)
            .WithDescription("Once closed: the result, to anyone. While open: participation, to members only (404 to anyone else). "
                + "Before it opens: 409 `motion_not_open` to members.");
        return app;
    }

    // A write that depends on a motion's outcome (which budget is in force, whether one is still open
    // for comment) first persists the motions whose time has come, each in its own transaction.
    private static async Task<IResult> Create(BudgetRequest request, HttpContext http, Writes writes, BudgetBook budgets, CurrentCommunity current,
        MotionBook motions, CommunityWriter writer)
    {
        await motions.AdvanceDueAsync(current.Community, writer);
        return await writes.RunAsync(http, request, async scope => await budgets.CreateAsync(scope, request.ToDraft()));
    }

    private static async Task<IResult> List(int? limit, string? after, CurrentCommunity current, BudgetBook budgets) =>
        Paging.Slice(await budgets.ListAsync(current.Community.Id), limit, after, b => $"{b.FiscalYear:D4},{b.Version:D6},{Paging.Ascending(b.Id)}");

    private static async Task<IResult> Get(long id, CurrentCommunity current, BudgetBook budgets) =>
        await budgets.GetAsync(current.Community.Id, id) is { } b ? TypedResults.Ok(b) : Problems.NotFound($"Budget {id}");

    private static Task<IResult> Update(long id, BudgetRequest request, HttpContext http, Writes writes, BudgetBook budgets) =>
        writes.RunAsync(http, request, async scope => await budgets.UpdateAsync(scope, id, request.ToDraft()), StatusCodes.Status200OK);

    private static Task<IResult> Publish(long id, HttpContext http, Writes writes, BudgetBook budgets) =>
        writes.RunAsync(http, new { id }, async scope => await budgets.PublishAsync(scope, id), StatusCodes.Status200OK);

    private static async Task<IResult> Comment(long id, CommentRequest request, HttpContext http, Writes writes, BudgetBook budgets, CurrentCommunity current,
        MotionBook motions, CommunityWriter writer)
    {
        await motions.AdvanceDueAsync(current.Community, writer);
        return await writes.RunAsync(http, request, async scope =>
        {
            var author = await BudgetBook.AuthorLabelAsync(scope, scope.Community.Id, current.UserId);
            return await budgets.CommentAsync(scope, id, current.UserId, author, request.Text!.Trim());
        });
    }

    private static async Task<IResult> Execution(long id, CurrentCommunity current, BudgetBook budgets, TimeProvider clock)
    {
        var budget = await budgets.GetAsync(current.Community.Id, id);
        if (budget is null) return Problems.NotFound($"Budget {id}");
        return TypedResults.Ok(new BudgetExecutionDto(id, budget.FiscalYear, budget.Status, await budgets.ExecutionAsync(current.Community, budget, clock.GetUtcNow())));
    }

    internal static MotionDto ToDto(MotionView m, (ChannelCounts, IReadOnlyList<FollowUpView>)? extras = null) => new(m.Id, m.Kind, m.Threshold, m.SubjectId,
        m.Title, m.Body, m.OpensAt, m.ClosesAt, m.Status, m.FollowMajority, m.Result is null ? null : ToResult(m, extras), m.ProposalId);

    internal static MotionResultDto ToResult(MotionView m, (ChannelCounts Channels, IReadOnlyList<FollowUpView> FollowUps)? extras = null)
    {
        var r = m.Result!;
        var t = r.Totals;
        var quorum = r.Status == "open" ? new QuorumDto(ShareDto.From(Quorum.Needed(t.Eligible)), ShareDto.From(Quorum.Missing(t.Participating, t.Eligible))) : null;
        return new MotionResultDto(m.Id, m.Kind, m.Threshold, r.Status, r.QuorumMet, r.Passed,
            new TotalsDto(ShareDto.From(t.Eligible), ShareDto.From(t.Participating), ShareDto.From(t.Yes), ShareDto.From(t.No), ShareDto.From(t.Abstain)),
            r.Receipts, m.ClosesAt, quorum, extras?.Channels, extras?.FollowUps);
    }

    private static async Task<IResult> CreateMotion(MotionRequest request, HttpContext http, Writes writes, MotionBook motions, CurrentCommunity current,
        CommunityWriter writer)
    {
        await motions.AdvanceDueAsync(current.Community, writer); // which budget is in force decides adoption or amendment
        return await writes.RunAsync(http, request, async scope =>
        {
            var result = await motions.CreateAsync(scope, new NewMotion(request.Kind!, request.SubjectId, request.Title!.Trim(), request.Body!,
                request.OpensAt!.Value, request.ClosesAt!.Value));
            if (!result.Ok) return result.Failure!;
            // A motion may answer an owners' proposal that qualified (Decisions).
            if (request.ProposalId is { } proposal && await ProposalBook.AnswerAsync(scope, proposal, result.Value!.Id) is { } refused) return refused;
            return Result<MotionDto>.From(ToDto(result.Value!) with { ProposalId = request.ProposalId });
        });
    }

    // Reads derive opening, closing and the result from the clock and never write; the job persists them.
    private static async Task<IResult> ListMotions(int? limit, string? after, CurrentCommunity current, MotionBook motions, TimeProvider clock) =>
        Paging.Slice((await motions.ListAsync(current.Community.Id, clock.GetUtcNow())).Select(m => ToDto(m)).ToList(), limit, after, m => Paging.Ascending(m.Id));

    private static async Task<IResult> GetMotion(long id, CurrentCommunity current, MotionBook motions, TimeProvider clock, DecisionBook decisions) =>
        await motions.GetAsync(current.Community.Id, id, clock.GetUtcNow()) is { } m
            ? TypedResults.Ok(ToDto(m, await decisions.ExtrasAsync(current.Community.Id, id)))
            : Problems.NotFound($"Motion {id}");

    private static Task<IResult> Cast(long id, BallotRequest request, HttpContext http, Writes writes, MotionBook motions, CurrentCommunity current) =>
        writes.RunAsync(http, request, async scope =>
        {
            var receipt = await motions.CastAsync(scope, id, current.UserId, request.Choice!);
            return receipt.Ok ? Result<BallotReceiptDto>.From(new BallotReceiptDto(receipt.Value!)) : receipt.Failure!;
        });

    /// <summary>
    /// Anyone may read a closed motion's result; while open, only members see participation. A scheduled motion
    /// has no result (API.md: status is open or closed): 409 motion_not_open, which GET …/motions/{id} explains.
    /// </summary>
    private static async Task<IResult> Result(string c, long id, HttpContext http, CommunityBook communities, MotionBook motions,
        TimeProvider clock, DecisionBook decisions)
    {
        var community = await communities.FindAsync(c);
        if (community is null) return Problems.NotFound("The motion");
        var motion = await motions.GetAsync(community.Id, id, clock.GetUtcNow());
        if (motion is null || (motion.Status != "closed" && !await http.IsMemberAsync(community.Id))) return Problems.NotFound("The motion");
        return motion.Result is null
            ? Problems.From(Failure.Conflict(Codes.MotionNotOpen, $"Motion {id} opens at {motion.OpensAt}; it has no result before then."))
            : TypedResults.Ok(ToResult(motion, await decisions.ExtrasAsync(community.Id, id)));
    }
}
