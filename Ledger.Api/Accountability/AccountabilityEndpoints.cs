using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Accountability;

public sealed record RatingBody(bool? Satisfied, string? Comment);
public sealed record FindingBody(string? Finding, bool? Upheld);
public sealed record EvaluationBody(string? Title, DateTimeOffset? OpensAt, DateTimeOffset? ClosesAt, string[]? Dimensions);
public sealed record EvaluationResponseBody(Dictionary<string, int>? Scores, string? Comment);

public sealed class RatingValidator : AbstractValidator<RatingBody>
{
    public RatingValidator()
    {
        RuleFor(r => r.Satisfied).NotNull();
        RuleFor(r => r.Comment).MaximumLength(2000);
        RuleFor(r => r.Comment).NotEmpty().When(r => r.Satisfied == false).WithMessage("Say what is missing from the answer.");
    }
}

public sealed class FindingValidator : AbstractValidator<FindingBody>
{
    public FindingValidator()
    {
        RuleFor(r => r.Finding).NotEmpty().MaximumLength(8000);
        RuleFor(r => r.Upheld).NotNull();
    }
}

public sealed class EvaluationValidator : AbstractValidator<EvaluationBody>
{
    public EvaluationValidator()
    {
        RuleFor(r => r.Title).Text(200);
        RuleFor(r => r.OpensAt).NotNull();
        RuleFor(r => r.ClosesAt).NotNull().GreaterThan(r => r.OpensAt).When(r => r.OpensAt is not null).WithMessage("After opensAt.");
        RuleFor(r => r.Dimensions).NotEmpty().Must(d => d is null || d.Length <= Evaluations.MaxDimensions).WithMessage($"1 to {Evaluations.MaxDimensions} dimensions.")
            .Must(d => d is null || d.Select(x => x?.Trim()).Distinct(StringComparer.Ordinal).Count() == d.Length).WithMessage("Each dimension once (compared without surrounding spaces).");
        RuleForEach(r => r.Dimensions).Text(50);
    }
}

public sealed class EvaluationResponseValidator : AbstractValidator<EvaluationResponseBody>
{
    public EvaluationResponseValidator()
    {
        RuleFor(r => r.Scores).NotEmpty().Must(s => s is null || s.Count <= Evaluations.MaxDimensions).WithMessage("One score per dimension.");
        RuleForEach(r => r.Scores).Must(s => Evaluations.IsScore(s.Value)).WithMessage("Scores are whole numbers from 1 to 5.");
        RuleFor(r => r.Comment).MaximumLength(2000);
    }
}

/// <summary>
/// The accountability loop (DESIGN.md section 11, API.md "Accountability"): the asker rates an
/// answer, the supervisor's finding closes an escalated query, and the committee runs the owners'
/// evaluations of the trustee.
/// </summary>
public static class AccountabilityEndpoints
{
    public static IServiceCollection AddAccountability(this IServiceCollection services)
    {
        services.AddSingleton<EvaluationBook>();
        services.AddSingleton<SpendingStoryBook>();
        services.AddSingleton<IValidator<RatingBody>, RatingValidator>();
        services.AddSingleton<IValidator<FindingBody>, FindingValidator>();
        services.AddSingleton<IValidator<EvaluationBody>, EvaluationValidator>();
        services.AddSingleton<IValidator<EvaluationResponseBody>, EvaluationResponseValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccountability(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Accountability");
        // Any member may call it; only the asker gets through (403 not_the_asker otherwise).
        group.MapPost("/queries/{id:long}/rating", Rate).Validate<RatingBody>().Allow(Roles.Community).Produces<InquiryView>();
        group.MapPost("/queries/{id:long}/finding", Find).Validate<FindingBody>().Allow(Roles.Supervisor).Produces<InquiryView>();
        group.MapPost("/evaluations", Create).Validate<EvaluationBody>().Allow(Roles.Committee).Produces<EvaluationView>(201);
        group.MapGet("/evaluations", List).Allow(Roles.Community).Produces<Page<EvaluationView>>();
        group.MapGet("/evaluations/{id:long}", Get).Allow(Roles.Community).Produces<EvaluationView>();
        group.MapPost("/evaluations/{id:long}/responses", Respond).Validate<EvaluationResponseBody>().Allow(Roles.Owner).Produces<EvaluationView>(201);
        // Public once closed (API.md): outside the members-only group, so it checks membership itself before the close.
        app.MapGet("/api/v1/communities/{c}/evaluations/{id:long}/result", Result).AllowAnonymous().WithTags("Accountability")
            .Produces<EvaluationResult>().ProducesProblem(409)
            .WithDescription("Once closed: the aggregate, to anyone. Before: 409 `evaluation_not_closed` to members, 404 to anyone else.");
        return app;
    }

    private static Task<IResult> Rate(long id, RatingBody body, HttpContext http, Writes writes, InquiryBook queries) =>
        writes.RunAsync(http, body, async scope => await queries.RateAsync(scope, id, body.Satisfied!.Value, body.Comment?.Trim() ?? ""), StatusCodes.Status200OK);

    private static Task<IResult> Find(long id, FindingBody body, HttpContext http, Writes writes, InquiryBook queries, CurrentCommunity current) =>
        writes.RunAsync(http, body, async scope => await queries.FindAsync(scope, id, body.Finding!.Trim(), body.Upheld!.Value, current.Roles), StatusCodes.Status200OK);

    private static Task<IResult> Create(EvaluationBody body, HttpContext http, Writes writes, EvaluationBook evaluations) =>
        writes.RunAsync(http, body, async scope => await evaluations.CreateAsync(scope,
            new NewEvaluation(body.Title!.Trim(), body.OpensAt!.Value, body.ClosesAt!.Value, body.Dimensions!.Select(d => d.Trim()).ToList())));

    private static async Task<IResult> List(int? limit, string? after, CurrentCommunity current, EvaluationBook evaluations, TimeProvider clock) =>
        Paging.Slice(await evaluations.ListAsync(current.Community.Id, clock.GetUtcNow()), limit, after, e => $"{e.ClosesAt},{Paging.Ascending(e.Id)}");

    private static async Task<IResult> Get(long id, CurrentCommunity current, EvaluationBook evaluations, TimeProvider clock) =>
        await evaluations.GetAsync(current.Community.Id, id, clock.GetUtcNow()) is { } e ? TypedResults.Ok(e) : Problems.NotFound($"Evaluation {id}");

    private static Task<IResult> Respond(long id, EvaluationResponseBody body, HttpContext http, Writes writes, EvaluationBook evaluations) =>
        writes.RunAsync(http, body, async scope => await evaluations.RespondAsync(scope, id, body.Scores!, body.Comment?.Trim() ?? ""));

    /// <summary>Anyone may read a closed evaluation's aggregate; before the close only members learn it exists (409), others get 404.</summary>
    private static async Task<IResult> Result(string c, long id, HttpContext http, CommunityBook communities, EvaluationBook evaluations, TimeProvider clock)
    {
        var community = await communities.FindAsync(c);
        if (community is null) return Problems.NotFound($"Evaluation {id}");
        var result = await evaluations.ResultAsync(community.Id, id, clock.GetUtcNow());
        if (result.Ok) return TypedResults.Ok(result.Value);
        if (result.Failure!.Code == Codes.EvaluationNotClosed && !await http.IsMemberAsync(community.Id)) return Problems.NotFound($"Evaluation {id}");
        return Problems.From(result.Failure);
    }
}
