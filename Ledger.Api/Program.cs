using Ledger.Api.Bank;
using Ledger.Api.Accountability;
using Ledger.Api.Budgets;
using Ledger.Api.Communities;
using Ledger.Api.Decisions;
using Ledger.Api.Fees;
using Ledger.Api.Identity;
using Ledger.Api.Infrastructure;
using Ledger.Api.Ledger;
using Ledger.Api.Operations;
using Ledger.Api.Portal;
using Ledger.Api.Public;
using Ledger.Api.Register;
using Ledger.Api.RoleHolders;
using Ledger.Api.Spending;
using Ledger.Api.Statements;
using Ledger.Api.Verification;

// `verify <community page URL>`: recompute the chain and every published statement from the public pages.
if (args is ["verify", var url, ..]) return await Verifier.RunCliAsync(url, args is [_, _, "--unit", var unit, ..] ? unit : null);

var builder = WebApplication.CreateBuilder(args);
builder.AddLedger();
builder.AddPortal();

var app = builder.Build();
app.UseLedger();

app.MapIdentity();
app.MapCommunities();
app.MapRegister();
app.MapLedger();
app.MapFees();
app.MapBudgets();
app.MapMotions();
app.MapDecisions();
app.MapSpending();
app.MapAccountability();
app.MapStatements();
app.MapRoleHolders();
app.MapPublicPages();
app.MapFavicon();
app.MapBank();
app.MapReconciliationPages();
app.MapDecisionPages();
app.MapAccountabilityPages();
app.MapOperations();
app.MapPortal();
app.MapJobsDashboard();

app.Run();
return 0;

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
