using Ledger.Api.Spending;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Portal;

/// <summary>Spending requests for staff, supervisors and the committee: pending first, newest first within each.</summary>
public sealed class SpendingListModel(SpendingBook spending) : PortalPage
{
    protected override string[] PageRoles => Roles.StaffAndOversight;

    public IReadOnlyList<SpendingRequestView> Requests { get; private set; } = [];

    public async Task OnGetAsync()
    {
        Requests = [.. (await spending.ListAsync(Community!.Id, null, Now))
            .OrderBy(r => r.Status == SpendingStatus.Pending ? 0 : 1).ThenByDescending(r => r.Id)];
    }
}
