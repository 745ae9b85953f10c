using System.Globalization;
using FluentValidation;
using Ledger.Api.Infrastructure;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Fees;

public sealed record FeeScheduleRequest(string? EffectiveFrom, Dictionary<string, string>? Rates);
public sealed record FeeScheduleDto(string EffectiveFrom, IReadOnlyDictionary<string, string> Rates);
public sealed record BillingRunRequest(string? Month);
public sealed record PaymentRequest(long? UnitId, long? Amount, string? PaidAt, string? Channel, string? ExternalRef);
public sealed record ReceiptRequest(string? Source, long? Amount, string? ReceivedAt, string? Payer, string? Memo, string? ExternalRef);
public sealed record BillDto(long Id, long UnitId, string Month, string Kind, long Amount, long Paid, string Status, long Seq, string IssuedOn, long? LateFeeOf)
{
    public static BillDto From(BillView b) => new(b.Id, b.UnitId, b.Month, b.Kind, b.Amount, b.Paid, b.Status, b.Seq, b.IssuedOn, b.LateFeeOf);
}
public sealed record PaymentDto(long Id, long UnitId, string ExternalRef, string Channel, long Amount, string PaidAt, long Seq, long Allocated, long Prepaid)
{
    public static PaymentDto From(PaymentView p) => new(p.Id, p.UnitId, p.ExternalRef, p.Channel, p.Amount, p.PaidAt, p.Seq, p.Allocated, p.Prepaid);
}
public sealed record UnitStatementDto(long UnitId, string From, string To, IReadOnlyList<BillDto> Bills, IReadOnlyList<PaymentDto> Payments, long Prepayment, long BalanceDue);

public sealed class FeeScheduleValidator : AbstractValidator<FeeScheduleRequest>
{
    public FeeScheduleValidator()
    {
        RuleFor(r => r.EffectiveFrom).MonthText();
        RuleFor(r => r.Rates).NotEmpty().Must(r => r is null || r.Count <= 50).WithMessage("1 to 50 uses.");
        RuleForEach(r => r.Rates).Must(kv => UnitUses.IsValid(kv.Key)).WithMessage("Each use is a lowercase word: [a-z_]{1,20}.")
            .Must(kv => Domain.Model.Fees.TryParseRate(kv.Value, out _)).WithMessage("Each rate is yuan per m² per month as a decimal string with up to 4 decimals (\"1.80\").");
    }
}

public sealed class BillingRunValidator : AbstractValidator<BillingRunRequest>
{
    public BillingRunValidator() => RuleFor(r => r.Month).MonthText();
}

internal static partial class Moment
{
    /// <summary>
    /// A date (<c>2026-11-20</c>), or an ISO 8601 instant with its offset (<c>2026-11-20T08:00:00Z</c>,
    /// <c>…+08:00</c>) taken as its date in the community's time zone. One written form each: nothing else
    /// (<c>2026/11/20</c>, <c>20 Nov 2026</c>, an instant without offset) is a date.
    /// </summary>
    public static bool TryDate(string? text, TimeZoneInfo zone, out DateOnly date)
    {
        if (Dates.TryParse(text, out date)) return true;
        if (text is { Length: <= 40 } && InstantForm().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) && at.Year is >= 2000 and <= 2999)
        {
            date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
            return true;
        }
        return false;
    }

    public static bool IsMoment(string? text) => TryDate(text, TimeZoneInfo.Utc, out _);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})\z")]
    private static partial System.Text.RegularExpressions.Regex InstantForm();
}

public sealed class PaymentValidator : AbstractValidator<PaymentRequest>
{
    public PaymentValidator()
    {
        RuleFor(r => r.UnitId).NotNull().GreaterThan(0);
        RuleFor(r => r.Amount).NotNull().GreaterThan(0).WithErrorCode(Codes.AmountNotPositive).LessThanOrEqualTo(EntryRules.MaxAmountFen);
        RuleFor(r => r.PaidAt).NotEmpty().Must(Moment.IsMoment).WithMessage("A date (2026-11-21) or an ISO 8601 instant.");
        RuleFor(r => r.Channel).NotEmpty().Matches("^[a-z_]{1,20}$").WithMessage("A lowercase word such as bank, wechat, alipay, cash.");
        RuleFor(r => r.ExternalRef).NotEmpty().MaximumLength(100).Must(ValidationExtensions.IsVisibleAscii).WithMessage("1 to 100 visible ASCII characters.");
    }
}

public sealed class ReceiptValidator : AbstractValidator<ReceiptRequest>
{
    public ReceiptValidator()
    {
        RuleFor(r => r.Source).NotEmpty().Must(s => s is not null && ReceiptSources.Accounts.ContainsKey(s)).WithMessage("parking, advertising, rent, interest or other.");
        RuleFor(r => r.Amount).NotNull().GreaterThan(0).LessThanOrEqualTo(EntryRules.MaxAmountFen);
        RuleFor(r => r.ReceivedAt).NotEmpty().Must(Moment.IsMoment).WithMessage("A date (2026-11-21) or an ISO 8601 instant.");
        RuleFor(r => r.Payer).Text(200);
        RuleFor(r => r.Memo).NotNull().MaximumLength(500).Must(s => s is null || !s.Any(char.IsControl)).WithMessage("Control characters are not allowed.");
        RuleFor(r => r.ExternalRef).NotEmpty().MaximumLength(100).Must(ValidationExtensions.IsVisibleAscii).WithMessage("1 to 100 visible ASCII characters.");
    }
}

public sealed record BucketAmountDto(string Bucket, long Amount);
public sealed record ArrearsUnitDto(long UnitId, string Building, string Number, long Due, IReadOnlyList<BucketAmountDto> Buckets);
public sealed record ArrearsDto(string AsOf, long UnitsInArrears, long TotalDue, IReadOnlyList<BucketAmountDto> Buckets,
    IReadOnlyList<ArrearsUnitDto> Units, IReadOnlyList<MonthCollection> Months);

/// <summary>A unit statement's dates, for the API and the portal alike.</summary>
public static class StatementRange
{
    public static readonly DateOnly Beginning = new(2000, 1, 1);

    /// <summary>
    /// From the beginning to today unless given (an empty value counts as not given); a start after today with no
    /// end runs to that day. Refused, with the field and the validator's sentence: a date that is not YYYY-MM-DD,
    /// or an end before the start.
    /// </summary>
    public static (DateOnly Start, DateOnly End, (string Field, string Message)? Refused) Read(string? from, string? to, DateOnly today)
    {
        var (start, end) = (Beginning, today);
        if (!string.IsNullOrEmpty(from) && !Dates.TryParse(from, out start)) return (Beginning, today, ("from", "A date as YYYY-MM-DD."));
        if (!string.IsNullOrEmpty(to) && !Dates.TryParse(to, out end)) return (Beginning, today, ("to", "A date as YYYY-MM-DD."));
        if (string.IsNullOrEmpty(to) && end < start) end = start;
        return end < start ? (Beginning, today, ("to", "On or after 'from'.")) : (start, end, null);
    }
}

public static class FeeEndpoints
{
    /// <summary>Fees, billing, payments and reminders: their books and validators.</summary>
    public static IServiceCollection AddFees(this IServiceCollection services)
    {
        services.AddSingleton<FeeBook>();
        services.AddSingleton<ReminderBook>();
        services.AddSingleton<IValidator<FeeScheduleRequest>, FeeScheduleValidator>();
        services.AddSingleton<IValidator<BillingRunRequest>, BillingRunValidator>();
        services.AddSingleton<IValidator<PaymentRequest>, PaymentValidator>();
        services.AddSingleton<IValidator<ReceiptRequest>, ReceiptValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapFees(this IEndpointRouteBuilder app)
    {
        var group = app.MapCommunityGroup().WithTags("Fees");
        group.MapPut("/fee-schedule", SetSchedule).Validate<FeeScheduleRequest>().Allow(Roles.TrusteeManager).Produces<FeeScheduleDto>();
        group.MapGet("/fee-schedule", Schedules).Allow(Roles.Community).Produces<Page<FeeScheduleDto>>();
        group.MapPost("/billing-runs", RunBilling).Validate<BillingRunRequest>().Allow(Roles.Trustee, Roles.TrusteeManager)
            .Produces<BillingRun>(201).Produces<BillingRun>(200);
        group.MapGet("/bills", Bills).Allow(Roles.Staff.Append(Roles.Owner).ToArray()).Produces<Page<BillDto>>();
        group.MapPost("/payments", Pay).Validate<PaymentRequest>().KeyedBy("externalRef").Allow(Roles.Trustee, Roles.TrusteeManager).Produces<PaymentDto>(201);
        group.MapPost("/receipts", Receive).Validate<ReceiptRequest>().KeyedBy("externalRef").Allow(Roles.Trustee, Roles.TrusteeManager).Produces<ReceiptView>(201);
        group.MapGet("/units/{unitId:long}/statement", Statement).Allow(Roles.Staff.Append(Roles.Owner).ToArray()).Produces<UnitStatementDto>();
        group.MapGet("/arrears", GetArrears).Allow(Roles.StaffAndOversight).Produces<ArrearsDto>();
        group.MapGet("/outbox", Outbox).Allow(Roles.Staff).Produces<Page<OutboxMessage>>();
        group.MapGet("/units/{unitId:long}/entries", UnitEntries).Allow(Roles.Staff.Append(Roles.Owner).ToArray()).Produces<Page<Public.OpenData.JournalFeedItem>>();
        return app;
    }

    private static Task<IResult> SetSchedule(FeeScheduleRequest request, HttpContext http, Writes writes, FeeBook fees)
    {
        var rates = request.Rates!.ToDictionary(kv => kv.Key, kv => { Domain.Model.Fees.TryParseRate(kv.Value, out var r); return r; });
        return writes.RunAsync(http, request, async scope =>
        {
            var result = await fees.SetScheduleAsync(scope, Month.Parse(request.EffectiveFrom!), rates);
            return result.Ok
                ? Result<FeeScheduleDto>.From(new FeeScheduleDto(request.EffectiveFrom!, result.Value!.ToDictionary(kv => kv.Key, kv => Domain.Model.Fees.FormatRate(kv.Value))))
                : result.Failure!;
        }, StatusCodes.Status200OK);
    }

    private static async Task<IResult> Schedules(int? limit, string? after, CurrentCommunity current, FeeBook fees) =>
        Paging.Slice((await fees.SchedulesAsync(current.Community.Id))
            .Select(s => new FeeScheduleDto(s.EffectiveFrom, s.Rates.ToDictionary(kv => kv.Key, kv => Domain.Model.Fees.FormatRate(kv.Value)))).ToList(),
            limit, after, s => s.EffectiveFrom);

    /// <summary>Idempotent per month: the first run answers 201, any later one 200 with the same run.</summary>
    private static Task<IResult> RunBilling(BillingRunRequest request, HttpContext http, Writes writes, FeeBook fees) =>
        writes.RunAsync(http, request, async scope => await fees.RunBillingAsync(scope, Month.Parse(request.Month!)),
            status: StatusCodes.Status201Created, statusOf: run => run.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);

    /// <summary>Staff see every unit's bills; an owner only their own units' (another unit answers 404).</summary>
    private static async Task<IResult> Bills(string? month, long? unitId, string? status, int? limit, string? after,
        CurrentCommunity current, FeeBook fees, RegisterBook register)
    {
        if (!Paging.TryRead(limit, after, out var take, out var afterId, out var problem)) return problem!;
        if (status is not (null or "open" or "paid")) return Problems.Validation("status", "open or paid.");
        Month? m = null;
        if (month is not null)
        {
            if (!Month.TryParse(month, out var parsed)) return Problems.Validation("month", "A month as YYYY-MM.");
            m = parsed;
        }
        IReadOnlyCollection<long>? units = unitId is { } u ? [u] : null;
        if (!current.Has(Roles.Staff))
        {
            var owned = await register.OwnedUnitIdsAsync(current.Community.Id, current.UserId);
            if (unitId is { } one && !owned.Contains(one)) return Problems.NotFound($"Unit {one}");
            units ??= owned;
        }
        var bills = await fees.BillsAsync(current.Community.Id, m, units, status, afterId, take + 1);
        return TypedResults.Ok(Paging.Of(bills, take, b => b.Id, BillDto.From));
    }

    /// <summary>The external reference is the idempotency key: the same payment sent twice posts once. On PostgreSQL
    /// in two round trips (a read without a lock, then <c>ledger_post_payment</c>; see <see cref="CommunityWriter.PostAsync"/>).</summary>
    private static Task<IResult> Pay(PaymentRequest request, HttpContext http, Writes writes, FeeBook fees, CurrentCommunity current)
    {
        Moment.TryDate(request.PaidAt, current.Community.Zone, out var paidOn);
        return writes.RunAsync(http, request, async scope =>
        {
            var result = await fees.PayAsync(scope, request.UnitId!.Value, request.Amount!.Value, paidOn, request.Channel!, request.ExternalRef!);
            return result.Ok ? Result<PaymentDto>.From(PaymentDto.From(result.Value!)) : result.Failure!;
        }, naturalKey: "payment:" + request.ExternalRef, onePosting: true);
    }

    private static Task<IResult> Receive(ReceiptRequest request, HttpContext http, Writes writes, FeeBook fees, CurrentCommunity current)
    {
        Moment.TryDate(request.ReceivedAt, current.Community.Zone, out var on);
        return writes.RunAsync(http, request, async scope =>
            await fees.ReceiveAsync(scope, request.Source!, request.Amount!.Value, on, request.Payer!.Trim(), request.Memo!, request.ExternalRef!),
            naturalKey: "receipt:" + request.ExternalRef);
    }

    private static async Task<IResult> Statement(long unitId, string? from, string? to, CurrentCommunity current, FeeBook fees,
        RegisterBook register, TimeProvider clock)
    {
        if (!await VisibleAsync(unitId, current, register)) return Problems.NotFound($"Unit {unitId}");
        var (start, end, refused) = StatementRange.Read(from, to, Dates.Today(clock, current.Community.Zone));
        if (refused is { } r) return Problems.Validation(r.Field, r.Message);
        var s = await fees.StatementAsync(current.Community.Id, unitId, start, end);
        return TypedResults.Ok(new UnitStatementDto(s.UnitId, Dates.Format(start), Dates.Format(end),
            s.Bills.Select(BillDto.From).ToList(), s.Payments.Select(PaymentDto.From).ToList(), s.Prepayment, s.BalanceDue));
    }

    /// <summary>
    /// The full content of the entries that name a unit (the public feed shows them as hashes only):
    /// its owner can check every one against the published chain.
    /// </summary>
    /// <summary>A unit of the community that the caller may read: staff any, an owner their own. Anything else is
    /// answered 404 alike, so an owner cannot tell another unit from none.</summary>
    private static async Task<bool> VisibleAsync(long unitId, CurrentCommunity current, RegisterBook register)
    {
        var units = await register.UnitsAsync(current.Community.Id, unitId - 1, 1);
        if (units.Count == 0 || units[0].Id != unitId) return false;
        return current.Has(Roles.Staff) || (await register.OwnedUnitIdsAsync(current.Community.Id, current.UserId)).Contains(unitId);
    }

    private static async Task<IResult> UnitEntries(long unitId, int? limit, string? after, CurrentCommunity current, Journal journal, RegisterBook register)
    {
        if (!Paging.TryRead(limit, after, out var take, out var afterSeq, out var problem)) return problem!;
        if (!await VisibleAsync(unitId, current, register)) return Problems.NotFound($"Unit {unitId}");
        var items = await journal.ListAsync(current.Community, new EntryFilter(UnitId: unitId), afterSeq, take + 1);
        // The public feed's shape, with `entry` exactly as hashed (salt included): the owner recomputes
        // each entryHash with the same steps as the public verification and finds it in the public feed.
        return TypedResults.Ok(Paging.Of(items, take, i => i.Entry.Seq,
            e => new Public.OpenData.JournalFeedItem(e.Entry.Seq, e.EntryHash, e.ChainHash, e.Entry.ToCanonicalObject())));
    }

    /// <summary>Messages waiting for a delivery channel (arrears reminders).</summary>
    private static async Task<IResult> Outbox(int? limit, string? after, CurrentCommunity current, ReminderBook reminders)
    {
        if (!Paging.TryRead(limit, after, out var take, out var afterId, out var problem)) return problem!;
        var items = await reminders.ListAsync(current.Community.Id, afterId, take + 1);
        return TypedResults.Ok(Paging.Of(items, take, i => i.Id));
    }

    private static async Task<IResult> GetArrears(CurrentCommunity current, FeeBook fees, TimeProvider clock)
    {
        var a = await fees.ArrearsAsync(current.Community.Id, Dates.Today(clock, current.Community.Zone));
        static List<BucketAmountDto> Buckets(IReadOnlyList<long> amounts) => ArrearsBuckets.Names.Select((n, i) => new BucketAmountDto(n, amounts[i])).ToList();
        return TypedResults.Ok(new ArrearsDto(a.AsOf, a.UnitsInArrears, a.TotalDue, Buckets(a.Buckets),
            a.Units.Select(u => new ArrearsUnitDto(u.UnitId, u.Building, u.Number, u.Due, Buckets(u.Buckets))).ToList(), a.Months));
    }
}
