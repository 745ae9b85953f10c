using Ledger.Api.Communities;
using Ledger.Api.Identity;
using Ledger.Api.Infrastructure;
using Ledger.Api.Ledger;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedger();

var app = builder.Build();
app.UseLedger();

app.MapIdentity();
app.MapCommunities();
app.MapLedger();

app.Run();

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
