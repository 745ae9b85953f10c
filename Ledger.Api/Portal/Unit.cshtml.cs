using System.Globalization;
using System.Text;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Portal;

/// <summary>
/// One unit's bills, payments, prepayment and balance due for a date range, as the API's unit
/// statement: its owners and staff only; any other unit answers 404 (never reveal it exists).
/// </summary>
public sealed class UnitModel(RegisterBook register, FeeBook fees, TimeProvider clock) : PortalPage
{
    public UnitView? Unit { get; private set; }
    public UnitStatement? Statement { get; private set; }
    public string From { get; private set; } = "";
    public string To { get; private set; } = "";

    private async Task<IActionResult?> LoadAsync(long u, string? from, string? to)
    {
        var community = Community!;
        var units = await register.UnitsAsync(community.Id, u - 1, 1);
        if (units.Count == 0 || units[0].Id != u) return StatusPage(404);
        if (!Has(Roles.Staff) && !(await register.OwnedUnitIdsAsync(community.Id, UserId)).Contains(u)) return StatusPage(404);
        Unit = units[0];
        var (start, end, refused) = Fees.StatementRange.Read(from, to, Dates.Today(clock, community.Zone));
        if (refused is { } r) Fail(Codes.ValidationFailed, T.FieldSentence(LabelOf(r.Field), r.Message));
        From = string.IsNullOrEmpty(from) || Error is not null ? "" : Dates.Format(start);
        To = string.IsNullOrEmpty(to) || Error is not null ? "" : Dates.Format(end);
        Statement = await fees.StatementAsync(community.Id, u, start, end);
        return null;
    }

    public async Task<IActionResult> OnGetAsync(long u, string? from, string? to) => await LoadAsync(u, from, to) ?? Page();

    /// <summary>The same statement as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese).</summary>
    public async Task<IActionResult> OnGetCsvAsync(long u, string? from, string? to)
    {
        if (await LoadAsync(u, from, to) is { } notShown) return notShown;
        if (Error is not null) return Page();
        var s = Statement!;
        var csv = new StringBuilder();
        csv.Append("kind,date_or_month,amount_fen,paid_fen,status,reference\r\n");
        foreach (var b in s.Bills)
            csv.Append(CultureInfo.InvariantCulture, $"bill,{b.Month},{b.Amount},{b.Paid},{b.Status},\r\n");
        foreach (var p in s.Payments)
            csv.Append(CultureInfo.InvariantCulture, $"payment,{p.PaidAt},{p.Amount},,,{Quote(p.ExternalRef)}\r\n");
        csv.Append(CultureInfo.InvariantCulture, $"prepayment,,{s.Prepayment},,,\r\n");
        csv.Append(CultureInfo.InvariantCulture, $"balance_due,,{s.BalanceDue},,,\r\n");
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv.ToString())).ToArray();
        return File(bytes, "text/csv; charset=utf-8", $"unit-{Unit!.Id}-statement.csv");
    }

    /// <summary>RFC 4180 quoting, and a leading quote mark for text a spreadsheet would run as a formula.</summary>
    private static string Quote(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
