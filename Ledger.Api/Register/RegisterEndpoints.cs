using System.Globalization;
using System.Text;
using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Register;

public sealed record UnitRequest(string? Building, string? Number, string? Use, decimal? Area, string? AreaSource, bool? Delivered);
public sealed record UnitDto(long Id, string Building, string Number, string Use, decimal Area, string AreaSource, bool Delivered, IReadOnlyList<long> OwnerIds)
{
    public static UnitDto From(UnitView u) => new(u.Id, u.Building, u.Number, u.Use, Domain.Model.Fees.AreaM2(u.AreaCentiM2), u.AreaSource, u.Delivered, u.OwnerIds);
}
public sealed record OwnerRequest(string? Name, string? Kind, long[]? UnitIds);
public sealed record OwnerDto(long Id, string Name, string Kind, IReadOnlyList<long> UnitIds);
/// <summary>An invitation; <c>expiresAt</c> an instant as every other the API sends (<see cref="Dates.Instant"/>).</summary>
public sealed record InvitationDto(string Code, string ExpiresAt);
public sealed record ActivateRequest(string? InvitationCode, string? Login, string? Password);
public sealed record ImportError(int Row, string Field, string Reason);
public sealed record ImportResult(int Imported, IReadOnlyList<long> UnitIds);

public sealed record TrustTermsRequest(
    TrustTermsRequest.TrusteeDto? Trustee, TrustTermsRequest.RemunerationDto? Remuneration, TrustTermsRequest.ApprovalDto? Approval,
    TrustTermsRequest.DisclosureDto? Disclosure, int? QueryAnswerDays, string[]? EmbedOrigins, TrustTermsRequest.LateFeeDto? LateFee, bool? FollowMajority,
    TrustTermsRequest.VotesDto? Votes = null)
{
    public sealed record TrusteeDto(string? Name, string? CreditCode);
    public sealed record RemunerationDto(string? Kind, decimal? Percent, long? Amount);
    public sealed record ApprovalDto(long? SupervisorUpTo, long? CommitteeUpTo, int? ExpiryDays);
    public sealed record DisclosureDto(int? CloseDay, int? SignOffDays, string? ArrearsDetail);
    public sealed record LateFeeDto(int? DailyRatePermyriad, decimal? CapPercent);
    /// <summary>Optional; missing fields take the defaults (notice 15 days, proposals answered within 30).</summary>
    public sealed record VotesDto(int? NoticeDays, int? ProposalResponseDays);

    /// <summary>The document as PUT takes it, so a client can read, change and put it back.</summary>
    public static TrustTermsRequest From(TrustTerms t) => new(
        new TrusteeDto(t.Trustee.Name, t.Trustee.CreditCode),
        new RemunerationDto(t.Remuneration.Kind, t.Remuneration.PercentBasisPoints is { } bp ? bp / 100m : null, t.Remuneration.Amount),
        new ApprovalDto(t.Approval.SupervisorUpTo, t.Approval.CommitteeUpTo, t.Approval.ExpiryDays),
        new DisclosureDto(t.Disclosure.CloseDay, t.Disclosure.SignOffDays, t.Disclosure.ArrearsDetail),
        t.QueryAnswerDays, t.EmbedOrigins.ToArray(),
        t.LateFee is { } lf ? new LateFeeDto(lf.DailyRatePermyriad, lf.CapBasisPoints / 100m) : null,
        t.FollowMajority,
        t.Votes is { } v ? new VotesDto(v.NoticeDays, v.ProposalResponseDays) : null);

    public TrustTerms ToTerms() => new(
        new TrustTerms.TrusteeInfo(Trustee!.Name!.Trim(), Trustee.CreditCode!.Trim()),
        new TrustTerms.RemunerationTerms(Remuneration!.Kind!, Remuneration.Kind == "percent" ? (long)(Remuneration.Percent!.Value * 100) : null,
            Remuneration.Kind == "fixed" ? Remuneration.Amount : null),
        new TrustTerms.ApprovalTerms(Approval!.SupervisorUpTo!.Value, Approval.CommitteeUpTo!.Value, Approval.ExpiryDays!.Value),
        new TrustTerms.DisclosureTerms(Disclosure!.CloseDay!.Value, Disclosure.SignOffDays!.Value, Disclosure.ArrearsDetail!),
        QueryAnswerDays!.Value, EmbedOrigins!.Select(o => EmbedOrigin.TryNormalize(o, out var n, out _) ? n : o).Distinct(StringComparer.Ordinal).ToList(),
        LateFee is null ? null : new TrustTerms.LateFeeTerms(LateFee.DailyRatePermyriad!.Value, (int)(LateFee.CapPercent!.Value * 100)),
        FollowMajority ?? false,
        Votes is null ? null : new VoteTerms(Votes.NoticeDays ?? VoteTerms.DefaultNoticeDays, Votes.ProposalResponseDays ?? VoteTerms.DefaultProposalResponseDays));
}

public sealed class UnitValidator : AbstractValidator<UnitRequest>
{
    public UnitValidator()
    {
        RuleFor(r => r.Building).UnitLabel();
        RuleFor(r => r.Number).UnitLabel();
        RuleFor(r => r.Use).NotEmpty().Must(UnitUses.IsValid).WithMessage("A lowercase word: [a-z_]{1,20}.");
        RuleFor(r => r.Area).NotNull().Must(a => a is null || Domain.Model.Fees.TryArea(a.Value, out _)).WithMessage("m² above 0, at most 1,000,000, with at most two decimals.");
        RuleFor(r => r.AreaSource).NotEmpty().Must(s => AreaSources.All.Contains(s)).WithMessage("registered, surveyed or contract.");
        RuleFor(r => r.Delivered).NotNull();
    }
}

public sealed class OwnerValidator : AbstractValidator<OwnerRequest>
{
    public OwnerValidator()
    {
        RuleFor(r => r.Name).Text(100);
        RuleFor(r => r.Kind).NotEmpty().Must(k => OwnerKinds.All.Contains(k)).WithMessage("person, organisation or developer.");
        RuleFor(r => r.UnitIds).NotNull().Must(u => u is null || u.Length <= 10_000);
        RuleForEach(r => r.UnitIds).GreaterThan(0);
    }
}

public sealed class ActivateValidator : AbstractValidator<ActivateRequest>
{
    public ActivateValidator()
    {
        RuleFor(r => r.InvitationCode).NotEmpty().MaximumLength(40);
        RuleFor(r => r.Login).NotEmpty().Matches("^[a-z0-9._@-]{3,64}$").WithMessage("3-64 of a-z, 0-9, '.', '_', '@', '-'.");
        RuleFor(r => r.Password).NotEmpty().MaximumLength(200)
            .Must(p => PasswordPolicy.Problem(p) is null).WithMessage((_, p) => PasswordPolicy.Problem(p) ?? "");
    }
}

public sealed class TrustTermsValidator : AbstractValidator<TrustTermsRequest>
{
    public TrustTermsValidator()
    {
        RuleFor(r => r.Trustee).NotNull();
        RuleFor(r => r.Trustee!.Name).Text(200).When(r => r.Trustee is not null);
        RuleFor(r => r.Trustee!.CreditCode).NotEmpty().Matches("^[0-9A-Z]{18}$").WithMessage("An 18-character unified social credit code.").When(r => r.Trustee is not null);
        RuleFor(r => r.Remuneration).NotNull();
        When(r => r.Remuneration is not null, () =>
        {
            RuleFor(r => r.Remuneration!.Kind).Must(k => k is "percent" or "fixed").WithMessage("percent or fixed.");
            RuleFor(r => r.Remuneration!.Percent).NotNull().InclusiveBetween(0, 100).Must(p => p is null || decimal.Round(p.Value, 2) == p)
                .WithMessage("A percentage with at most two decimals.").When(r => r.Remuneration!.Kind == "percent");
            RuleFor(r => r.Remuneration!.Amount).NotNull().InclusiveBetween(0, EntryRules.MaxAmountFen).When(r => r.Remuneration!.Kind == "fixed");
        });
        RuleFor(r => r.Approval).NotNull();
        When(r => r.Approval is not null, () =>
        {
            RuleFor(r => r.Approval!.SupervisorUpTo).NotNull().InclusiveBetween(0, EntryRules.MaxAmountFen);
            RuleFor(r => r.Approval!.CommitteeUpTo).NotNull().InclusiveBetween(0, EntryRules.MaxAmountFen)
                .GreaterThanOrEqualTo(r => r.Approval!.SupervisorUpTo ?? 0).WithMessage("At least supervisorUpTo.");
            RuleFor(r => r.Approval!.ExpiryDays).NotNull().InclusiveBetween(1, 365);
        });
        RuleFor(r => r.Disclosure).NotNull();
        When(r => r.Disclosure is not null, () =>
        {
            RuleFor(r => r.Disclosure!.CloseDay).NotNull().InclusiveBetween(1, 28);
            RuleFor(r => r.Disclosure!.SignOffDays).NotNull().InclusiveBetween(0, 30);
            RuleFor(r => r.Disclosure!.ArrearsDetail).Must(a => a is "aggregate" or "unit").WithMessage("aggregate or unit.");
        });
        RuleFor(r => r.QueryAnswerDays).NotNull().InclusiveBetween(1, 90);
        RuleFor(r => r.EmbedOrigins).NotNull().Must(o => o is null || o.Length <= 20);
        RuleForEach(r => r.EmbedOrigins).Must(o => EmbedOrigin.TryNormalize(o, out _, out _))
            .WithMessage((r, o) => EmbedOrigin.TryNormalize(o, out _, out var why) ? "" : $"'{o}': {why}");
        When(r => r.Votes is not null, () =>
        {
            RuleFor(r => r.Votes!.NoticeDays).InclusiveBetween(1, 90);
            RuleFor(r => r.Votes!.ProposalResponseDays).InclusiveBetween(1, 365);
        });
        When(r => r.LateFee is not null, () =>
        {
            RuleFor(r => r.LateFee!.DailyRatePermyriad).NotNull().InclusiveBetween(1, 100);
            RuleFor(r => r.LateFee!.CapPercent).NotNull().InclusiveBetween(0, 100).Must(p => p is null || decimal.Round(p.Value, 2) == p).WithMessage("At most two decimals.");
        });
    }
}

public sealed record TrustTermsDto(int Version, TrustTermsRequest Terms);

public static class RegisterEndpoints
{
    public static readonly string[] ImportHeader = ["building", "number", "use", "area", "areaSource", "delivered"];
    public const int MaxImportRows = 50_000;

    /// <summary>The register of units, owners and trust terms: its book and validators.</summary>
    public static IServiceCollection AddRegister(this IServiceCollection services)
    {
        services.AddSingleton<RegisterBook>();
        services.AddSingleton<IValidator<UnitRequest>, UnitValidator>();
        services.AddSingleton<IValidator<OwnerRequest>, OwnerValidator>();
        services.AddSingleton<IValidator<ActivateRequest>, ActivateValidator>();
        services.AddSingleton<IValidator<TrustTermsRequest>, TrustTermsValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapRegister(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Register");
        group.MapPut("/trust-terms", SetTrustTerms).Validate<TrustTermsRequest>().Allow(Roles.CommunityAdmin).Produces<TrustTermsDto>();
        group.MapGet("/trust-terms", GetTrustTerms).Allow(Roles.Community).Produces<TrustTermsDto>();
        group.MapPost("/units", AddUnit).Validate<UnitRequest>().Allow(Roles.CommunityAdmin).Produces<UnitDto>(201);
        group.MapPost("/units/import", Import).Allow(Roles.CommunityAdmin).WithMetadata(new RequestSizeLimitAttribute(16 * 1024 * 1024)).Accepts<string>("text/csv").Produces<ImportResult>(201);
        group.MapGet("/units", Units).Allow(Roles.Staff.Append(Roles.CommunityAdmin).ToArray()).Produces<Page<UnitDto>>();
        group.MapPost("/owners", AddOwner).Validate<OwnerRequest>().Allow(Roles.CommunityAdmin).Produces<OwnerDto>(201);
        group.MapPost("/owners/{ownerId:long}/invitations", Invite).Allow(Roles.CommunityAdmin).Produces<InvitationDto>(201);

        app.MapPost("/api/v1/auth/activate", Activate).Validate<ActivateRequest>().AllowAnonymous()
            .RequireRateLimiting(Identity.IdentityEndpoints.LoginRateLimit).WithTags("Identity");
        return app;
    }

    private static Task<IResult> SetTrustTerms(TrustTermsRequest request, HttpContext http, Writes writes, RegisterBook register) =>
        writes.RunAsync(http, request, async scope =>
        {
            var version = await register.SetTrustTermsAsync(scope, request.ToTerms());
            return Result<TrustTermsDto>.From(new TrustTermsDto(version, TrustTermsRequest.From(request.ToTerms())));
        }, StatusCodes.Status200OK);

    private static async Task<IResult> GetTrustTerms(CurrentCommunity current, RegisterBook register)
    {
        var terms = await register.TrustTermsAsync(current.Community.Id);
        return terms is { } t ? TypedResults.Ok(new TrustTermsDto(t.Version, TrustTermsRequest.From(t.Terms))) : Problems.NotFound("Trust terms");
    }

    private static Task<IResult> AddUnit(UnitRequest request, HttpContext http, Writes writes, RegisterBook register) =>
        writes.RunAsync(http, request, async scope =>
        {
            Domain.Model.Fees.TryArea(request.Area!.Value, out var area);
            var unit = new NewUnit(UnitLabels.Normalize(request.Building!), UnitLabels.Normalize(request.Number!), request.Use!, area, request.AreaSource!, request.Delivered!.Value);
            var exists = await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM units WHERE community_id = @Id AND building = @Building AND number = @Number",
                new { scope.Community.Id, unit.Building, unit.Number });
            if (exists > 0) return Failure.Conflict(Codes.UnitExists, $"Unit {unit.Building}-{unit.Number} already exists.");
            var ids = await register.AddUnitsAsync(scope, [new ImportRow(unit, null, null)]);
            return Result<UnitDto>.From(new UnitDto(ids[0], unit.Building, unit.Number, unit.Use, request.Area.Value, unit.AreaSource, unit.Delivered, []));
        });

    /// <summary>
    /// CSV with the header building,number,use,area,areaSource,delivered (optionally owner,ownerKind).
    /// All or nothing: every bad row is reported as {row, field, reason} and nothing is written.
    /// </summary>
    private static async Task<IResult> Import(HttpContext http, CurrentCommunity current, Writes writes, RegisterBook register)
    {
        if (http.Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) != true)
            return Problems.From(new Failure(Codes.UnsupportedMediaType, "Send the units as text/csv.", 415));
        string text;
        using (var reader = new StreamReader(http.Request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true)))
        {
            try { text = await reader.ReadToEndAsync(http.RequestAborted); }
            catch (DecoderFallbackException) { return Problems.From(Failure.Invalid(Codes.MalformedRequest, "The CSV is not valid UTF-8.")); }
        }
        var (rows, errors) = ParseUnits(text, await register.ExistingUnitKeysAsync(current.Community.Id));
        if (errors.Count > 0)
            return TypedResults.Problem(new ProblemDetails
            {
                Status = 400, Title = "The import was rejected; nothing was written.",
                Detail = $"{errors.Count} problem(s) in the CSV.", Extensions = { ["code"] = Codes.ImportInvalid, ["errors"] = errors },
            });
        return await writes.RunAsync(http, new { csv = text }, async scope =>
        {
            // Checked again under the write lock: an import that raced this one may have added the same units.
            var taken = await register.ExistingUnitKeysAsync(scope);
            if (rows.FirstOrDefault(r => taken.Contains((r.Unit.Building, r.Unit.Number))) is { } clash)
                return Failure.Conflict(Codes.UnitExists, $"Unit {clash.Unit.Building}-{clash.Unit.Number} already exists; nothing was imported.");
            return Result<ImportResult>.From(new ImportResult(rows.Count, await register.AddUnitsAsync(scope, rows)));
        });
    }

    internal static (List<ImportRow> Rows, List<ImportError> Errors) ParseUnits(string text, HashSet<(string, string)> existing)
    {
        var rows = new List<ImportRow>();
        var errors = new List<ImportError>();
        using var records = Csv.Read(text).GetEnumerator();
        if (!records.MoveNext())
        {
            errors.Add(new ImportError(0, "header", $"The first line must be the header {string.Join(',', ImportHeader)}."));
            return (rows, errors);
        }
        var header = records.Current;
        var withOwners = header.Length == 8 && header[6] == "owner" && header[7] == "ownerKind";
        if (!header.Take(6).SequenceEqual(ImportHeader) || (header.Length != 6 && !withOwners))
        {
            errors.Add(new ImportError(0, "header", $"The header must be {string.Join(',', ImportHeader)} (optionally followed by owner,ownerKind)."));
            return (rows, errors);
        }
        var seen = new HashSet<(string, string)>();
        var rowNumber = 0;
        while (records.MoveNext())
        {
            var record = records.Current;
            rowNumber++;
            if (rowNumber > MaxImportRows) { errors.Add(new ImportError(rowNumber, "row", $"At most {MaxImportRows} rows per import.")); break; }
            string Field(int i) => record.Length > i ? record[i] : "";
            void Error(string field, string reason) => errors.Add(new ImportError(rowNumber, field, reason));
            var before = errors.Count;
            var building = UnitLabels.Normalize(Field(0));
            var number = UnitLabels.Normalize(Field(1));
            var use = Field(2);
            if (!UnitLabels.IsValid(building) || TextGuard.Problem(building, multiLine: false) is not null) Error("building", "1 to 40 characters; no control or bidirectional characters.");
            if (!UnitLabels.IsValid(number) || TextGuard.Problem(number, multiLine: false) is not null) Error("number", "1 to 40 characters; no control or bidirectional characters.");
            if (!UnitUses.IsValid(use)) Error("use", "A lowercase word: [a-z_]{1,20}.");
            long area = 0;
            if (!decimal.TryParse(Field(3), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var m2) || !Domain.Model.Fees.TryArea(m2, out area))
                Error("area", "m² above 0 with at most two decimals.");
            if (!AreaSources.All.Contains(Field(4))) Error("areaSource", "registered, surveyed or contract.");
            var delivered = Field(5) switch { "true" or "1" or "yes" => (bool?)true, "false" or "0" or "no" => false, _ => null };
            if (delivered is null) Error("delivered", "true or false.");
            string? owner = null, ownerKind = null;
            if (withOwners && Field(6).Length > 0)
            {
                owner = Field(6);
                ownerKind = Field(7).Length == 0 ? OwnerKinds.Person : Field(7);
                if (owner.Length > 100 || TextGuard.Problem(owner, multiLine: false) is not null) Error("owner", "At most 100 characters; no control or bidirectional characters.");
                if (!OwnerKinds.All.Contains(ownerKind)) Error("ownerKind", "person, organisation or developer.");
            }
            if (building.Length > 0 && number.Length > 0)
            {
                if (existing.Contains((building, number))) Error("number", $"Unit {building}-{number} already exists.");
                else if (!seen.Add((building, number))) Error("number", $"Unit {building}-{number} appears twice in this file.");
            }
            if (errors.Count == before)
                rows.Add(new ImportRow(new NewUnit(building, number, use, area, Field(4), delivered!.Value), owner, ownerKind));
        }
        if (rowNumber == 0 && errors.Count == 0) errors.Add(new ImportError(0, "row", "The CSV has no data rows."));
        return (rows, errors);
    }

    private static async Task<IResult> Units(int? limit, string? after, CurrentCommunity current, RegisterBook register)
    {
        if (!Paging.TryRead(limit, after, out var take, out var afterId, out var problem)) return problem!;
        var units = await register.UnitsAsync(current.Community.Id, afterId, take + 1);
        return TypedResults.Ok(Paging.Of(units, take, u => u.Id, UnitDto.From));
    }

    private static Task<IResult> AddOwner(OwnerRequest request, HttpContext http, Writes writes, RegisterBook register) =>
        writes.RunAsync(http, request, async scope =>
        {
            var result = await register.AddOwnerAsync(scope, request.Name!.Trim(), request.Kind!, request.UnitIds!);
            return result.Ok ? Result<OwnerDto>.From(new OwnerDto(result.Value!.Id, result.Value.Name, result.Value.Kind, result.Value.UnitIds)) : result.Failure!;
        });

    private static Task<IResult> Invite(long ownerId, HttpContext http, Writes writes, RegisterBook register) =>
        writes.RunAsync(http, new { ownerId }, async scope =>
        {
            var result = await register.InviteAsync(scope, ownerId);
            return result.Ok ? Result<InvitationDto>.From(new InvitationDto(result.Value!.Code, Dates.Instant(result.Value.ExpiresAt))) : result.Failure!;
        });

    private static async Task<Results<Created<Identity.UserDto>, ProblemHttpResult>> Activate(ActivateRequest request, RegisterBook register)
    {
        var result = await register.ActivateAsync(request.InvitationCode!, request.Login!, request.Password!);
        if (!result.Ok) return Problems.From(result.Failure!);
        return TypedResults.Created("/api/v1/me", Identity.IdentityEndpoints.ToDto(result.Value!));
    }
}
