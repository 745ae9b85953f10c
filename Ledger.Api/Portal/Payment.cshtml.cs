using System.Text.Json;
using Ledger.Api.Fees;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Ledger.Api.Portal;

/// <summary>
/// Staff record an owner's payment: the unit found by building and number, the amount typed in yuan
/// and read as fen exactly. The external reference is the idempotency key exactly as the API's
/// (same key, same request fingerprint), so a payment posts once whether it came through the API,
/// this form, or this form sent twice.
/// </summary>
public sealed class PaymentModel(RegisterBook register, FeeBook fees, TimeProvider clock, IOptions<JsonOptions> json) : PortalPage
{
    public static readonly string[] Channels = ["bank", "wechat", "alipay", "cash"];

    protected override string[] PageRoles => Roles.Staff;

    public string? Building { get; private set; }
    public string? Number { get; private set; }
    public string? Amount { get; private set; }
    public string? PaidAt { get; private set; }
    public string Channel { get; private set; } = "bank";
    public string? ExternalRef { get; private set; }
    public string? LastUnit { get; set; }

    public void OnGet()
    {
        PaidAt = Dates.Format(Dates.Today(clock, Community!.Zone));
        LastUnit = Flashed.GetValueOrDefault("unit");
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? building, [FromForm] string? number, [FromForm] string? amount,
        [FromForm] string? paidAt, [FromForm] string? channel, [FromForm] string? externalRef)
    {
        (Building, Number, Amount, PaidAt, Channel, ExternalRef) = (building?.Trim(), number?.Trim(), amount?.Trim(), paidAt?.Trim(), channel ?? "", externalRef?.Trim());
        LastUnit = null;
        if (string.IsNullOrEmpty(Building) || string.IsNullOrEmpty(Number)) { Fail(Codes.ValidationFailed, T.Required("building", "number")); return Page(); }
        if (!TryAmount(Amount, out var fen)) return Page();
        // The API takes any channel word; this form records only the channels it offers (a form without the field is refused too).
        if (!Channels.Contains(Channel)) { Fail(Codes.ValidationFailed, T.OneOf("channel", Channels)); return Page(); }
        var unit = await register.FindUnitAsync(Community!.Id, Building, Number);
        if (unit is null) { Fail(Codes.UnknownUnit, T.Format("unknownUnitAt", Building, Number), 422); return Page(); }
        var request = new PaymentRequest(unit.Id, fen, PaidAt, Channel, ExternalRef);
        if (!await ValidAsync(request)) return Page();
        Moment.TryDate(request.PaidAt, Community.Zone, out var paidOn);
        var fingerprint = $"POST /api/v1/communities/{C}/payments\n{JsonSerializer.Serialize(request, json.Value.SerializerOptions)}";
        var paid = await WriteAsync("payment:" + request.ExternalRef, fingerprint, async scope =>
        {
            var result = await fees.PayAsync(scope, unit.Id, fen, paidOn, request.Channel!, request.ExternalRef!);
            return result.Ok ? Result<PaymentDto>.From(PaymentDto.From(result.Value!)) : result.Failure!;
        });
        // The reference is the payment's key: another payment under it is about the reference, not the form.
        if (paid.Failure is { Code: Codes.IdempotencyKeyReused } reused) { Fail(reused.Code, T["refReused"], reused.Status); return Page(); }
        if (!paid.Ok) { Fail(paid.Failure!); return Page(); }
        Notice = T.Format("paymentRecorded", PortalHtml.Money(paid.Value!.Amount), paid.Value.Seq);
        Flash("unit", unit.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return SeeOther($"/app/{C}/payments/new");
    }
}
