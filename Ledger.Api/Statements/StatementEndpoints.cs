using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Statements;

public sealed record RemarkBody(string? Text);
public sealed record CorrectionBody(string? Reason);
public sealed record StatementSummary(string Period, int Version, string Kind, string Status, string Hash, string? PreviousHash, long Seq,
    string ChainHash, string BuiltAt, string SignOffUntil, string? PublishedAt, string? CorrectionReason)
{
    public static StatementSummary From(StatementRecord r) => new(r.Period, r.Version, r.Kind, r.Status, r.Hash, r.PreviousHash, r.Seq, r.ChainHash,
        r.BuiltAt, r.SignOffUntil, r.PublishedAt, r.CorrectionReason);
}

public sealed class RemarkValidator : AbstractValidator<RemarkBody>
{
    public RemarkValidator() => RuleFor(r => r.Text).NotEmpty().MaximumLength(4000);
}

public sealed class CorrectionValidator : AbstractValidator<CorrectionBody>
{
    public CorrectionValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(2000);
}

public static class StatementEndpoints
{
    /// <summary>Statements: their book and the remark and correction validators.</summary>
    public static IServiceCollection AddStatements(this IServiceCollection services)
    {
        services.AddSingleton<StatementBook>();
        services.AddSingleton<IValidator<RemarkBody>, RemarkValidator>();
        services.AddSingleton<IValidator<CorrectionBody>, CorrectionValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapStatements(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Statements");
        group.MapGet("/statements", List).Allow(Roles.Community).Produces<Page<StatementSummary>>();
        group.MapGet("/statements/{period}", Get).Allow(Roles.Community).Produces<System.Text.Json.Nodes.JsonObject>();
        group.MapPost("/statements/{period}/remarks", Remark).Validate<RemarkBody>().Allow(Roles.Supervisor).Produces<StatementSummary>(201);
        group.MapPost("/statements/{period}/publish", Publish).Allow(Roles.CommunityAdmin).Produces<StatementSummary>();
        group.MapPost("/statements/{period}/corrections", Correct).Validate<CorrectionBody>().Allow(Roles.CommunityAdmin).Produces<StatementSummary>(201);
        return app;
    }

    /// <summary>Members see published statements; staff and supervisors see drafts too.</summary>
    private static async Task<IResult> List(int? limit, string? after, CurrentCommunity current, StatementBook statements) =>
        Paging.Slice((await statements.ListAsync(current.Community.Id, current.Has(Roles.StaffAndSupervisor))).Select(StatementSummary.From).ToList(),
            limit, after, s => $"{s.Period},{s.Version:D6}");

    private static async Task<IResult> Get(string period, int? version, CurrentCommunity current, StatementBook statements)
    {
        // A period that cannot be one is the caller's mistake, 400 as on the writes below, not a statement that is missing.
        if (!TryPeriod(period, current, out _)) return Problems.Validation("period", "2026-10, 2026-Q3 or 2026.");
        var drafts = current.Has(Roles.StaffAndSupervisor);
        var all = await statements.ListAsync(current.Community.Id, drafts);
        var match = all.Where(s => s.Period == period && (version is null || s.Version == version)).OrderByDescending(s => s.Version).FirstOrDefault();
        return match is null ? Problems.NotFound($"Statement {period}") : Results.Text(Domain.Model.CanonicalJson.Serialize(match.ToJson()), "application/json");
    }

    private static bool TryPeriod(string text, CurrentCommunity current, out Period period) =>
        Period.TryParse(text, current.Community.FiscalYearStartMonth, out period);

    private static async Task<IResult> Remark(string period, RemarkBody body, HttpContext http, Writes writes, StatementBook statements, CurrentCommunity current)
    {
        if (!TryPeriod(period, current, out var p)) return Problems.Validation("period", "2026-10, 2026-Q3 or 2026.");
        return await writes.RunAsync(http, body, async scope =>
        {
            var r = await statements.RemarkAsync(scope, p, body.Text!.Trim(), current.Roles);
            return r.Ok ? Result<StatementSummary>.From(StatementSummary.From(r.Value!)) : r.Failure!;
        });
    }

    private static async Task<IResult> Publish(string period, HttpContext http, Writes writes, StatementBook statements, CurrentCommunity current)
    {
        if (!TryPeriod(period, current, out var p)) return Problems.Validation("period", "2026-10, 2026-Q3 or 2026.");
        return await writes.RunAsync(http, new { period }, async scope =>
        {
            var r = await statements.PublishAsync(scope, p);
            return r.Ok ? Result<StatementSummary>.From(StatementSummary.From(r.Value!)) : r.Failure!;
        }, StatusCodes.Status200OK);
    }

    private static async Task<IResult> Correct(string period, CorrectionBody body, HttpContext http, Writes writes, StatementBook statements, CurrentCommunity current)
    {
        if (!TryPeriod(period, current, out var p)) return Problems.Validation("period", "2026-10, 2026-Q3 or 2026.");
        return await writes.RunAsync(http, body, async scope =>
        {
            var r = await statements.CorrectAsync(scope, p, body.Reason!.Trim());
            return r.Ok ? Result<StatementSummary>.From(StatementSummary.From(r.Value!)) : r.Failure!;
        });
    }
}
