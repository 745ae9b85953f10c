using Ledger.Api.Spending;
using Ledger.Domain.Model;
using Ledger.Domain.Store;

namespace Ledger.Api.Portal;

/// <summary>What waits for this person in the community, by role.</summary>
public sealed class HomeModel(RegisterBook register, MotionBook motions, SpendingBook spending, BudgetBook budgets, StatementBook statements, InquiryBook inquiries) : PortalPage
{
    public IReadOnlyList<UnitView> Units { get; private set; } = [];
    public IReadOnlyList<MotionView> OpenMotions { get; private set; } = [];
    public IReadOnlyList<MotionView> ClosedMotions { get; private set; } = [];
    public int Pending { get; private set; }
    public IReadOnlyList<BudgetView> Budgets { get; private set; } = [];
    public int DraftStatements { get; private set; }
    public int AwaitingFinding { get; private set; }

    /// <summary>Who sees statements in sign-off: the roles the API shows drafts to, and the admin who publishes.</summary>
    public static readonly string[] StatementRoles = [.. Roles.StaffAndSupervisor, Roles.CommunityAdmin];

    public async Task OnGetAsync()
    {
        var community = Community!;
        if (Has(Roles.Owner))
        {
            var owned = (await register.OwnedUnitIdsAsync(community.Id, UserId)).ToHashSet();
            Units = owned.Count == 0 ? [] : [.. (await register.UnitsAsync(community.Id)).Where(u => owned.Contains(u.Id))];
        }
        var all = await motions.ListAsync(community.Id, Now);
        OpenMotions = [.. all.Where(m => m.Status is "open" or "scheduled")];
        ClosedMotions = [.. all.Where(m => m.Status == "closed").OrderByDescending(m => m.Id).Take(10)];
        Budgets = [.. (await budgets.ListAsync(community.Id)).Where(b => b.Status is BudgetStatus.Published or BudgetStatus.Adopted).OrderByDescending(b => b.FiscalYear).ThenByDescending(b => b.Version)];
        if (Has(Roles.StaffAndOversight))
        {
            Pending = (await spending.ListAsync(community.Id, SpendingStatus.Pending, Now)).Count;
        }
        if (Has(StatementRoles))
            DraftStatements = (await statements.ListAsync(community.Id, includeDrafts: true)).GroupBy(s => s.Period).Count(g => g.MaxBy(s => s.Version)!.Status == "draft");
        if (Has(Roles.Supervisor))
            AwaitingFinding = (await inquiries.ListAsync(community, Now, null, new InquiryReader(UserId, MyRoles))).Count(q => InquiryLoop.AwaitsFinding(q.Status));
    }
}
