using System.Text.RegularExpressions;
using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ledger.Api.Ledger;

public sealed record LineRequest(string? Account, long? Debit, long? Credit, long? UnitId);
public sealed record PostEntryRequest(string? Date, string? Memo, string? Fund, List<LineRequest>? Lines);
public sealed record ReversalRequest(string? Reason);
public sealed record AddAccountRequest(string? Code, string? Name, string? ParentCode);

public sealed record LineDto(string Account, long? Debit, long? Credit, long? UnitId);
public sealed record EntryDto(long Seq, string Date, string Memo, string Fund, IReadOnlyList<LineDto> Lines,
    string EntryHash, string ChainHash, long? Reverses, long? ReversedBy, string Kind, string CreatedAt, string? Salt)
{
    public static EntryDto From(JournalEntry e) => new(e.Entry.Seq, Dates.Format(e.Entry.Date), e.Entry.Memo, e.Entry.Fund,
        e.Entry.Lines.Select(l => new LineDto(l.Account, l.Debit, l.Credit, l.UnitId)).ToList(),
        e.EntryHash, e.ChainHash, e.Entry.Reverses, e.ReversedBy, e.Kind, e.CreatedAt, e.Entry.Salt);
}
public sealed record AccountDto(string Code, string Name, string NameEn, string Kind, string Fund, string? ParentCode, long Balance);
public sealed record TrialBalanceLine(string Code, string Name, string Kind, string Fund, long Debit, long Credit);
public sealed record TrialBalanceDto(string Month, long TotalDebit, long TotalCredit, IReadOnlyList<TrialBalanceLine> Accounts, IReadOnlyList<FundTotals> Funds);
public sealed record ClosedMonthDto(string Month, string ClosedAt, long Seq, string ChainHash);

public sealed partial class PostEntryValidator : AbstractValidator<PostEntryRequest>
{
    public PostEntryValidator()
    {
        RuleFor(r => r.Date).Date();
        RuleFor(r => r.Memo).NotNull().MaximumLength(500).Must(s => s is null || !s.Any(char.IsControl)).WithMessage("Control characters are not allowed.");
        RuleFor(r => r.Fund).NotEmpty().MaximumLength(20);
        RuleFor(r => r.Lines).NotNull().Must(l => l is null || l.Count <= EntryRules.MaxLines).WithMessage($"At most {EntryRules.MaxLines} lines.");
        RuleForEach(r => r.Lines).NotNull().ChildRules(line =>
        {
            line.RuleFor(l => l.Account).NotEmpty().Must(a => a is null || AccountCode().IsMatch(a)).WithMessage("An account code: 4 to 12 digits.");
            line.RuleFor(l => l).Must(l => l.Debit is null != l.Credit is null).WithName("debit").WithMessage("Exactly one of debit or credit.");
            line.RuleFor(l => l.UnitId).GreaterThan(0).When(l => l.UnitId is not null);
        });
    }

    [GeneratedRegex("^[0-9]{4,12}$")]
    internal static partial Regex AccountCode();
}

public sealed class ReversalValidator : AbstractValidator<ReversalRequest>
{
    public ReversalValidator() => RuleFor(r => r.Reason).Text(500);
}

public sealed class AddAccountValidator : AbstractValidator<AddAccountRequest>
{
    public AddAccountValidator()
    {
        RuleFor(r => r.Code).NotEmpty().Must(c => c is null || PostEntryValidator.AccountCode().IsMatch(c)).WithMessage("4 to 12 digits.");
        RuleFor(r => r.Name).Text(100);
        RuleFor(r => r.ParentCode).NotEmpty().Must(c => c is null || PostEntryValidator.AccountCode().IsMatch(c)).WithMessage("4 to 12 digits.");
    }
}

public static class LedgerEndpoints
{
    /// <summary>Journal entries, accounts and the export: the export and the validators.</summary>
    public static IServiceCollection AddLedgerEntries(this IServiceCollection services)
    {
        services.AddSingleton<JournalExport>();
        services.AddSingleton<IValidator<PostEntryRequest>, PostEntryValidator>();
        services.AddSingleton<IValidator<ReversalRequest>, ReversalValidator>();
        services.AddSingleton<IValidator<AddAccountRequest>, AddAccountValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapLedger(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Ledger");
        group.MapGet("/accounts", Accounts).Allow(Roles.Community).Produces<Page<AccountDto>>();
        group.MapPost("/accounts", AddAccount).Validate<AddAccountRequest>().Allow(Roles.TrusteeManager).Produces<AccountDto>(201);
        group.MapPost("/entries", PostEntry).Validate<PostEntryRequest>().Allow(Roles.TrusteeManager).Produces<EntryDto>(201);
        group.MapGet("/entries", ListEntries).Allow(Roles.StaffAndOversight).Produces<Page<EntryDto>>();
        group.MapGet("/entries/{seq:long}", GetEntry).Allow(Roles.StaffAndOversight);
        group.MapPost("/entries/{seq:long}/reversal", Reverse).Validate<ReversalRequest>().Allow(Roles.TrusteeManager).Produces<EntryDto>(201);
        group.MapGet("/trial-balance", GetTrialBalance).Allow(Roles.StaffAndOversight).Produces<TrialBalanceDto>();
        group.MapGet("/integrity", CheckIntegrity).Allow(Roles.StaffAndSupervisor);
        group.MapGet("/export/journal", ExportJournal).Allow(Roles.StaffAndOversight).Produces<string>(200, "text/plain");
        group.MapPost("/months/{month}/close", CloseMonth).Allow(Roles.TrusteeManager).Produces<ClosedMonthDto>(200);
        return app;
    }

    /// <summary>Resolves <c>?month=</c>, defaulting to the current month in the community's time zone.</summary>
    internal static bool TryMonth(string? text, CurrentCommunity current, TimeProvider clock, out Month month, out IResult? problem)
    {
        problem = null;
        month = Month.Of(Dates.Today(clock, current.Community.Zone));
        if (text is null) return true;
        if (Month.TryParse(text, out month)) return true;
        problem = Problems.Validation("month", "A month as YYYY-MM.");
        return false;
    }

    private static async Task<IResult> Accounts(string? month, int? limit, string? after, CurrentCommunity current, BalanceBook balances, TimeProvider clock)
    {
        if (!TryMonth(month, current, clock, out var m, out var problem)) return problem!;
        var accounts = await balances.AtEndOfAsync(current.Community, m);
        // A parent's balance rolls up its sub-accounts.
        var rolled = accounts.ToDictionary(a => a.Account.Code, a => a.Balance);
        var parentOf = accounts.ToDictionary(a => a.Account.Code, a => a.Account.ParentCode);
        foreach (var a in accounts)
            for (var parent = a.Account.ParentCode; parent is not null; parent = parentOf[parent])
                rolled[parent] += a.Balance;
        return Paging.Slice(accounts.Select(a => new AccountDto(a.Account.Code, a.Account.Name, a.Account.NameEn,
            a.Account.Kind, a.Account.Fund, a.Account.ParentCode, rolled[a.Account.Code])).ToList(), limit, after, a => a.Code);
    }

    private static Task<IResult> AddAccount(AddAccountRequest request, HttpContext http, Writes writes, CommunityBook communities) =>
        writes.RunAsync(http, request, async scope =>
        {
            var result = await communities.AddAccountAsync(scope, request.Code!, request.Name!.Trim(), request.ParentCode!);
            if (!result.Ok) return result.Failure!;
            var a = result.Value!;
            return (Result<AccountDto>)new AccountDto(a.Code, a.Name, a.NameEn, a.Kind, a.Fund, a.ParentCode, 0);
        });

    private static Task<IResult> PostEntry(PostEntryRequest request, HttpContext http, Writes writes, Journal journal)
    {
        Dates.TryParse(request.Date, out var date);
        var lines = request.Lines!.Select(l => new EntryLine(l.Account!, l.Debit, l.Credit, l.UnitId)).ToList();
        var draft = new EntryDraft(date, request.Memo!, request.Fund!, lines);
        return writes.RunAsync(http, request, async scope =>
        {
            // Cash leaves a fund only through an approved spending request or remuneration (guarantee 6).
            var chart = await scope.ChartAsync();
            // Per-unit receivables and prepayments move only with bills and payments, so the bills
            // and the sub-ledger never disagree.
            if (lines.Any(l => chart.TryGetValue(l.Account, out var a) && a.PerUnit))
                return new Failure(Codes.SubledgerRequiresFlow,
                    "Accounts kept per unit (1122, 2203) move only through billing runs and payments.");
            if (lines.Any(l => !l.IsDebit && chart.TryGetValue(l.Account, out var a) && a.NonNegative))
                return new Failure(Codes.CashOutRequiresRequest,
                    "A manual entry cannot take cash out of a fund; pay through an approved spending request.");
            var posted = await journal.PostAsync(scope, [draft]);
            return posted.Ok ? EntryDto.From(posted.Value![0]) : (Result<EntryDto>)posted.Failure!;
        }, onePosting: true);
    }

    private static async Task<IResult> ListEntries(string? month, string? account, long? unitId, int? limit, string? after,
        CurrentCommunity current, Journal journal)
    {
        if (!Paging.TryRead(limit, after, out var take, out var afterSeq, out var problem)) return problem!;
        Month? m = null;
        if (month is not null)
        {
            if (!Month.TryParse(month, out var parsed)) return Problems.Validation("month", "A month as YYYY-MM.");
            m = parsed;
        }
        var items = await journal.ListAsync(current.Community, new EntryFilter(m, account, unitId), afterSeq, take + 1);
        return TypedResults.Ok(Paging.Of(items, take, i => i.Entry.Seq, EntryDto.From));
    }

    private static async Task<Results<Ok<EntryDto>, ProblemHttpResult>> GetEntry(long seq, CurrentCommunity current, Journal journal)
    {
        var entry = await journal.GetAsync(current.Community, seq);
        return entry is null ? Problems.NotFound($"Entry {seq}") : TypedResults.Ok(EntryDto.From(entry));
    }

    private static Task<IResult> Reverse(long seq, ReversalRequest request, HttpContext http, Writes writes, Journal journal) =>
        writes.RunAsync(http, request, async scope =>
        {
            var result = await journal.ReverseAsync(scope, seq, request.Reason!.Trim());
            return result.Ok ? EntryDto.From(result.Value!) : (Result<EntryDto>)result.Failure!;
        });

    private static async Task<IResult> GetTrialBalance(string? month, CurrentCommunity current, BalanceBook balances, TimeProvider clock)
    {
        if (!TryMonth(month, current, clock, out var m, out var problem)) return problem!;
        var tb = await balances.TrialBalanceAsync(current.Community, m);
        return TypedResults.Ok(new TrialBalanceDto(tb.Month.ToString(), tb.TotalDebit, tb.TotalCredit,
            tb.Accounts.Where(a => a.Debit != 0 || a.Credit != 0).Select(a => new TrialBalanceLine(a.Account.Code, a.Account.Name, a.Account.Kind,
                a.Account.Fund, Math.Max(a.Balance, 0), Math.Max(-a.Balance, 0))).ToList(), tb.Funds));
    }

    private static async Task<Ok<IntegrityReport>> CheckIntegrity(CurrentCommunity current, Integrity integrity, HttpContext http) =>
        TypedResults.Ok(await integrity.CheckAsync(current.Community, http.RequestAborted));

    /// <summary>The whole journal in hledger / ledger-cli syntax, streamed.</summary>
    private static async Task ExportJournal(HttpContext http, CurrentCommunity current, JournalExport export)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{current.Community.Slug}.journal\"";
        await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false), 65536);
        await export.WriteAsync(current.Community, writer, http.RequestAborted);
    }

    private static async Task<IResult> CloseMonth(string month, HttpContext http, Writes writes, StatementBook statements)
    {
        if (!Month.TryParse(month, out var m)) return Problems.Validation("month", "A month as YYYY-MM.");
        return await writes.RunAsync(http, new { month }, async scope =>
        {
            var result = await statements.CloseAndBuildAsync(scope, m);
            if (!result.Ok) return result.Failure!;
            var c = result.Value!;
            return (Result<ClosedMonthDto>)new ClosedMonthDto(c.Month, c.ClosedAt, c.Seq, c.ChainHash);
        }, StatusCodes.Status200OK);
    }
}
