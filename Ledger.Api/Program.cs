using Ledger.Api.Budgets;
using Ledger.Api.Communities;
using Ledger.Api.Fees;
using Ledger.Api.Identity;
using Ledger.Api.Infrastructure;
using Ledger.Api.Ledger;
using Ledger.Api.Operations;
using Ledger.Api.Portal;
using Ledger.Api.Public;
using Ledger.Api.Register;
using Ledger.Api.Spending;
using Ledger.Api.Statements;
using Ledger.Api.Verification;

// `verify <community page URL>`: recompute the chain and every published statement from the public pages.
if (args is ["verify", var url, ..]) return await Verifier.RunCliAsync(url);

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
app.MapSpending();
app.MapStatements();
app.MapPublicPages();
app.MapOperations();
app.MapPortal();

app.Run();
return 0;

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
