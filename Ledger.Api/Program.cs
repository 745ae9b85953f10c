using Ledger.Api.Budgets;
using Ledger.Api.Communities;
using Ledger.Api.Identity;
using Ledger.Api.Infrastructure;
using Ledger.Api.Fees;
using Ledger.Api.Ledger;
using Ledger.Api.Register;
using Ledger.Api.Spending;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedger();

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

app.Run();

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
