using System.Security.Cryptography;
using System.Text.Json;
using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Bank;

/// <summary>A column by header text (<c>"交易金额"</c>) or 1-based number; <c>format</c> for the date column.</summary>
public sealed record ColumnBody(JsonElement? Column, string? Format, JsonElement? DebitColumn, JsonElement? CreditColumn);

/// <summary>A saved column mapping as PUT answers it.</summary>
public sealed record BankMappingDto(string Name, BankMappingBody Mapping);

public sealed record BankMappingBody(int? SkipRows, string? Encoding, ColumnBody? Date, ColumnBody? Amount, ColumnBody? Balance,
    ColumnBody? Reference, ColumnBody? Counterparty, ColumnBody? Memo)
{
    internal static BankColumn? Column(JsonElement? e) => e switch
    {
        { ValueKind: JsonValueKind.String } s => new BankColumn(s.GetString()!.Trim(), null),
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var i) => new BankColumn(null, i),
        _ => null,
    };

    internal BankMapping ToMapping() => new(SkipRows, Encoding!, Column(Date!.Column)!, Date.Format!,
        Column(Amount!.Column), Column(Amount.DebitColumn), Column(Amount.CreditColumn), Column(Balance!.Column)!,
        Column(Reference?.Column), Column(Counterparty?.Column), Column(Memo?.Column));
}

public sealed record MatchBody(long? Seq);
/// <summary><c>payer</c>: who is published as paying (the bank's counterparty is not: it can name a household).</summary>
public sealed record BankReceiptBody(string? Source, string? Memo, string? Payer = null);
public sealed record SignBody(string? Remarks);

public sealed class BankMappingValidator : AbstractValidator<BankMappingBody>
{
    private static bool IsColumn(JsonElement? e) => e is null || e.Value.ValueKind switch
    {
        JsonValueKind.String => e.Value.GetString()!.Trim() is { Length: > 0 and <= 100 },
        JsonValueKind.Number => e.Value.TryGetInt32(out var i) && i is >= 1 and <= 200,
        _ => false,
    };

    private const string ColumnMessage = "A column's header text (1-100 characters) or its 1-based number (1-200).";

    public BankMappingValidator()
    {
        RuleFor(b => b.SkipRows).InclusiveBetween(0, 100);
        RuleFor(b => b.Encoding).NotEmpty().Must(e => e is "utf-8" or "gb18030").WithMessage("utf-8 or gb18030.");
        RuleFor(b => b.Date).NotNull();
        RuleFor(b => b.Date!.Column).NotNull().Must(IsColumn).WithMessage(ColumnMessage).When(b => b.Date is not null);
        RuleFor(b => b.Date!.Format).NotEmpty().MaximumLength(40)
            .Must(f => f is null || f.Contains("yyyy") && f.Contains("MM") && f.Contains("dd")).WithMessage("A .NET date format with yyyy, MM and dd, e.g. yyyyMMdd or yyyy-MM-dd.")
            .When(b => b.Date is not null);
        RuleFor(b => b.SkipRows).NotNull().When(b => b.Date?.Column is { ValueKind: JsonValueKind.Number })
            .WithMessage("With the date column given by number, say how many rows come before the header row.");
        RuleFor(b => b.Amount).NotNull().Must(a => a is null || (a.Column is not null) != (a.DebitColumn is not null || a.CreditColumn is not null))
            .WithMessage("Either {column} (a signed amount) or {debitColumn, creditColumn}.");
        RuleFor(b => b.Amount!).Must(a => IsColumn(a.Column) && IsColumn(a.DebitColumn) && IsColumn(a.CreditColumn)
                && (a.Column is not null || a.DebitColumn is not null && a.CreditColumn is not null))
            .WithMessage(ColumnMessage + " Both debitColumn and creditColumn when the amount is split.").When(b => b.Amount is not null);
        RuleFor(b => b.Balance).NotNull().WithMessage("The running balance column is required: it is how a statement is checked.");
        RuleFor(b => b.Balance!.Column).NotNull().Must(IsColumn).WithMessage(ColumnMessage).When(b => b.Balance is not null);
        RuleFor(b => b.Reference!.Column).Must(IsColumn).WithMessage(ColumnMessage).When(b => b.Reference is not null);
        RuleFor(b => b.Counterparty!.Column).Must(IsColumn).WithMessage(ColumnMessage).When(b => b.Counterparty is not null);
        RuleFor(b => b.Memo!.Column).Must(IsColumn).WithMessage(ColumnMessage).When(b => b.Memo is not null);
    }
}

public sealed class MatchValidator : AbstractValidator<MatchBody>
{
    public MatchValidator() => RuleFor(b => b.Seq).NotNull().GreaterThan(0);
}

public sealed class BankReceiptValidator : AbstractValidator<BankReceiptBody>
{
    public BankReceiptValidator()
    {
        RuleFor(b => b.Source).NotEmpty().Must(s => s is null || ReceiptSources.Accounts.ContainsKey(s)).WithMessage("parking, advertising, rent, interest or other.");
        RuleFor(b => b.Memo).Text(200);
        RuleFor(b => b.Payer).Text(100).When(b => b.Payer is not null);
    }
}

public sealed class SignValidator : AbstractValidator<SignBody>
{
    public SignValidator() => RuleFor(b => b.Remarks).Text(4000);
}

/// <summary>Bank reconciliation: column mappings, statement import, matching, and the month's signed reconciliation (API.md "Bank reconciliation").</summary>
public static class BankEndpoints
{
    public const long MaxFileBytes = 32 * 1024 * 1024;

    /// <summary>The bank feature's services and validators.</summary>
    public static IServiceCollection AddBank(this IServiceCollection services)
    {
        services.AddSingleton<BankBook>();
        services.AddSingleton<IValidator<BankMappingBody>, BankMappingValidator>();
        services.AddSingleton<IValidator<MatchBody>, MatchValidator>();
        services.AddSingleton<IValidator<BankReceiptBody>, BankReceiptValidator>();
        services.AddSingleton<IValidator<SignBody>, SignValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapBank(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Bank reconciliation");
        group.MapPut("/bank-mappings/{name}", SaveMapping).Validate<BankMappingBody>().Allow(Roles.TrusteeManager).Produces<BankMappingDto>();
        group.MapPost("/bank-statements", Import).Allow(Roles.Staff).WithMetadata(new RequestSizeLimitAttribute(MaxFileBytes + 1024 * 1024))
            .TakesFile("file", "application/xml", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").Produces<BankImport>(201).Produces<BankImport>();
        group.MapGet("/bank-lines", Lines).Allow(Roles.StaffAndOversight).Produces<Page<BankLineView>>();
        group.MapPost("/bank-lines/{id:long}/match", Match).Validate<MatchBody>().Allow(Roles.Staff).Produces<BankLineView>();
        group.MapPost("/bank-lines/{id:long}/receipt", Receipt).Validate<BankReceiptBody>().Allow(Roles.Staff).Produces<BankLineView>(201);
        group.MapGet("/reconciliations/{month}", Reconciliation).Allow(Roles.StaffAndOversight).Produces<ReconciliationView>();
        group.MapPost("/reconciliations/{month}/sign", Sign).Validate<SignBody>().Allow(Roles.Supervisor).Produces<ReconciliationView>();
        return app;
    }

    private static bool TryAccount(string? account, out string code, out IResult? problem)
    {
        code = account ?? BankAccounts.Common;
        problem = BankAccounts.IsBank(code) ? null : Problems.Validation("account", "1002 (the common fund's bank account) or 1003 (the maintenance fund's).");
        return problem is null;
    }

    private static Task<IResult> SaveMapping(string name, BankMappingBody body, HttpContext http, Writes writes, BankBook bank)
    {
        if (name.Length is 0 or > 40 || !name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            return Task.FromResult<IResult>(Problems.Validation("name", "1-40 characters a-z, 0-9, - and _."));
        return writes.RunAsync(http, new { name, body }, async scope =>
        {
            await bank.SaveMappingAsync(scope, name, body.ToMapping());
            return Result<BankMappingDto>.From(new BankMappingDto(name, body));
        }, StatusCodes.Status200OK);
    }

    /// <summary>
    /// The bank's file as the body (application/xml, text/csv, XLSX) or as the multipart field <c>file</c>.
    /// Bad files are 400 import_invalid with every {row, field, reason}; balances that do not add up are
    /// 422 bank_balance_mismatch with the rows; nothing is imported in either case.
    /// </summary>
    private static async Task<IResult> Import(string? account, string? format, string? mapping, HttpContext http, CurrentCommunity current, Writes writes, BankBook bank)
    {
        if (!TryAccount(account, out var code, out var problem)) return problem!;
        if (format is not (null or "camt053" or "csv" or "xlsx")) return Problems.Validation("format", "camt053, csv or xlsx.");
        byte[] content;
        try
        {
            if (http.Request.HasFormContentType)
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                if (form.Files.GetFile("file") is not { } file) return Problems.Validation("file", "Send the statement as the multipart field 'file'.");
                if (file.Length > MaxFileBytes) return Problems.From(new Failure(Codes.PayloadTooLarge, "A statement file is at most 32 MB.", 413));
                using var buffer = new MemoryStream((int)file.Length);
                await file.CopyToAsync(buffer, http.RequestAborted);
                content = buffer.ToArray();
            }
            else
            {
                using var buffer = new MemoryStream();
                await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
                content = buffer.ToArray();
            }
        }
        catch (InvalidDataException e) { return Problems.From(Failure.Invalid(Codes.MalformedRequest, $"The multipart body cannot be read: {e.Message}")); }
        if (content.Length == 0) return Problems.Validation("file", "The statement file is empty.");

        var kind = format ?? BankFiles.Sniff(content);
        BankParse parsed;
        if (kind == "camt053") parsed = BankFiles.ReadCamt053(content);
        else
        {
            if (string.IsNullOrEmpty(mapping)) return Problems.Validation("mapping", $"Name the column mapping of this {kind.ToUpperInvariant()} export (built in: cmb).");
            if (await bank.MappingAsync(current.Community.Id, mapping) is not { } columns)
                return Problems.From(new Failure(BankCodes.UnknownMapping, $"There is no bank mapping '{mapping}'; save it with PUT …/bank-mappings/{mapping}."));
            parsed = kind == "xlsx" ? BankFiles.ReadXlsx(content, columns) : BankFiles.ReadCsv(content, columns);
        }
        if (parsed.File is null)
        {
            var invalid = parsed.Code == Codes.ImportInvalid;
            return TypedResults.Problem(new ProblemDetails
            {
                Status = invalid ? 400 : 422,
                Title = "The statement was rejected; nothing was imported.",
                Detail = invalid ? $"{parsed.Errors.Count} problem(s) in the file." : "The running balances of the statement do not add up.",
                Type = $"https://ledger.example/problems/{parsed.Code}",
                Extensions = { ["code"] = parsed.Code, ["errors"] = parsed.Errors },
            });
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        return await writes.RunAsync(http, new { account = code, format = kind, sha }, async scope => await bank.ImportAsync(scope, code, kind, sha, parsed.File),
            statusOf: r => r.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> Lines(string? month, string? status, string? account, int? limit, string? after, CurrentCommunity current, BankBook bank)
    {
        Month? m = null;
        if (month is not null) { if (!Month.TryParse(month, out var parsed)) return Problems.Validation("month", "A month as YYYY-MM."); m = parsed; }
        if (status is not (null or "matched" or "unmatched")) return Problems.Validation("status", "matched or unmatched.");
        if (account is not null && !BankAccounts.IsBank(account)) return Problems.Validation("account", "1002 or 1003.");
        if (!Paging.TryRead(limit, after, out var take, out var afterId, out var problem)) return problem!;
        var items = await bank.LinesAsync(current.Community.Id, account, m, status, afterId, take + 1);
        return TypedResults.Ok(Paging.Of(items, take, i => i.Id));
    }

    private static Task<IResult> Match(long id, MatchBody body, HttpContext http, Writes writes, BankBook bank) =>
        writes.RunAsync(http, new { id, body }, async scope => await bank.MatchAsync(scope, id, body.Seq!.Value), StatusCodes.Status200OK);

    private static Task<IResult> Receipt(long id, BankReceiptBody body, HttpContext http, Writes writes, BankBook bank) =>
        writes.RunAsync(http, new { id, body }, async scope => await bank.RecordReceiptAsync(scope, id, body.Source!, body.Memo!.Trim(), body.Payer?.Trim()), StatusCodes.Status201Created);

    /// <summary>A month in the path: malformed is 400; a month the books do not hold (before they open, after this one) has no reconciliation, 404.</summary>
    private static bool TryBooksMonth(string month, CurrentCommunity current, TimeProvider clock, out Month m, out IResult? problem)
    {
        problem = !Month.TryParse(month, out m) ? Problems.Validation("month", "A month as YYYY-MM.")
            : m < current.Community.BooksStartMonth || m > Month.Of(Dates.Today(clock, current.Community.Zone)) ? Problems.NotFound($"The reconciliation of {m}")
            : null;
        return problem is null;
    }

    private static async Task<IResult> Reconciliation(string month, string? account, CurrentCommunity current, BankBook bank, TimeProvider clock)
    {
        if (!TryBooksMonth(month, current, clock, out var m, out var refused)) return refused!;
        if (!TryAccount(account, out var code, out var problem)) return problem!;
        var result = await bank.ReconciliationAsync(current.Community.Id, m, code);
        return result.Ok ? TypedResults.Ok(result.Value) : Problems.From(result.Failure!);
    }

    private static Task<IResult> Sign(string month, string? account, SignBody body, HttpContext http, Writes writes, BankBook bank, CurrentCommunity current, TimeProvider clock)
    {
        if (!TryBooksMonth(month, current, clock, out var m, out var refused)) return Task.FromResult(refused!);
        if (!TryAccount(account, out var code, out var problem)) return Task.FromResult(problem!);
        return writes.RunAsync(http, new { month, code, body }, async scope => await bank.SignAsync(scope, m, code, body.Remarks!.Trim(), current.Roles), StatusCodes.Status200OK);
    }
}
