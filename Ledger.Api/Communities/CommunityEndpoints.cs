using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ledger.Api.Communities;

public sealed record CreateCommunityRequest(string? Slug, string? Name, string? TimeZone, int? FiscalYearStartMonth, string? BooksStartMonth);

public sealed record CommunityDto(long Id, string Slug, string Name, string TimeZone, int FiscalYearStartMonth, string BooksStartMonth)
{
    public static CommunityDto From(CommunityInfo c) => new(c.Id, c.Slug, c.Name, c.TimeZone, c.FiscalYearStartMonth, c.BooksStartMonth.ToString());
}

public sealed class CreateCommunityValidator : AbstractValidator<CreateCommunityRequest>
{
    public CreateCommunityValidator()
    {
        RuleFor(r => r.Slug).NotEmpty().Matches("^[a-z0-9-]{3,40}$").WithMessage("3-40 of a-z, 0-9 and '-'.");
        RuleFor(r => r.Name).Text(200);
        RuleFor(r => r.TimeZone).Must(tz => tz is null || Dates.TryFindZone(tz, out _)).WithMessage("An IANA time zone such as Asia/Shanghai.");
        RuleFor(r => r.FiscalYearStartMonth).InclusiveBetween(1, 12);
        RuleFor(r => r.BooksStartMonth).MonthText().When(r => r.BooksStartMonth is not null);
    }
}

public static class CommunityEndpoints
{
    public const string DefaultTimeZone = "Asia/Shanghai";

    /// <summary>Creating communities: the request validator.</summary>
    public static IServiceCollection AddCommunities(this IServiceCollection services)
    {
        services.AddSingleton<IValidator<CreateCommunityRequest>, CreateCommunityValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapCommunities(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/communities", Create).Validate<CreateCommunityRequest>().RequireAuthorization().WithTags("Communities");
        app.MapGet("/api/v1/communities", List).RequireAuthorization().WithTags("Communities").Produces<Page<CommunityDto>>();
        app.MapCommunityGroup().WithTags("Communities").MapGet("/", Get).Allow(Roles.Community);
        return app;
    }

    private static async Task<Results<Created<CommunityDto>, ProblemHttpResult>> Create(
        CreateCommunityRequest request, HttpContext http, CommunityBook communities, TimeProvider clock)
    {
        if (!http.User.IsPlatformAdmin())
            return Problems.From(new Failure(Codes.Forbidden, "Only a platform admin creates communities.", 403));
        var zoneId = request.TimeZone ?? DefaultTimeZone;
        Dates.TryFindZone(zoneId, out var zone);
        var books = request.BooksStartMonth is { } b ? Month.Parse(b) : Month.Of(Dates.Today(clock, zone));
        var result = await communities.CreateAsync(new NewCommunity(request.Slug!, request.Name!.Trim(), zoneId, request.FiscalYearStartMonth ?? 1, books));
        if (!result.Ok) return Problems.From(result.Failure!);
        return TypedResults.Created($"/api/v1/communities/{result.Value!.Slug}", CommunityDto.From(result.Value));
    }

    /// <summary>
    /// Every community on the server, by slug, for the platform admin: it holds no role inside them, so neither
    /// <c>GET /api/v1/me</c> nor the portal's home lists them. Anyone else: 403 (their own are in <c>/me</c>).
    /// </summary>
    private static async Task<IResult> List(int? limit, string? after, HttpContext http, CommunityBook communities)
    {
        if (!http.User.IsPlatformAdmin())
            return Problems.From(new Failure(Codes.Forbidden, "Only a platform admin lists every community; GET /api/v1/me lists yours.", 403));
        return Paging.Slice(await communities.AllAsync(), limit, after, c => c.Slug, CommunityDto.From);
    }

    private static Ok<CommunityDto> Get(CurrentCommunity current) => TypedResults.Ok(CommunityDto.From(current.Community));
}
