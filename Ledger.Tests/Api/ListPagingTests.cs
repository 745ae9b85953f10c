using System.Text.Json.Nodes;
using Ledger.Domain.Model;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>
/// Every list takes <c>?limit=</c> and <c>?after=</c> and answers <c>{ items, next }</c> (API.md): walked a page of one
/// or two at a time, a list gives back exactly its items, in its order, once each; a bad limit or a cursor that names no
/// item is 400; a cursor whose item has left the list since goes on where that item was. On each engine.
/// </summary>
public abstract class ListPagingTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    [SkippableFact]
    public async Task Every_list_pages_through_its_items_once_each_in_order()
    {
        var y = await DisclosureYard.BuildAsync(App);
        for (var i = 0; i < 2; i++)
            await (await y.Trustee.PostAsync(y.P("/spending-requests"), new
            {
                payee = $"供应商{i}", amount = 10_000L + i, account = "6103", description = "保洁", attachments = Array.Empty<string>(),
            })).AssertStatus(201);
        foreach (var (title, days) in new[] { ("更换门禁", 20), ("增设车位", 21) })
            await (await y.Admin.PostAsync(y.P("/motions"), new
            {
                kind = "other", title, body = "表决", opensAt = DisclosureYard.Now.AddDays(days), closesAt = DisclosureYard.Now.AddDays(days + 2),
            })).AssertStatus(201);
        foreach (var question in new[] { "第一问", "第二问", "第三问" })
            await (await y.Owners[0].PostAsync(y.P("/queries"), new { subject = "statement", subjectId = "2026-10", question })).AssertStatus(201);
        foreach (var title in new[] { "更换电梯", "增设充电桩", "修缮屋顶" })
            await (await y.Owners[0].PostAsync(y.P("/proposals"), new { title, body = "建议" })).AssertStatus(201);

        // Each list with at least three items here, read by someone allowed to read it.
        var lists = new (ApiClient Reader, string Path)[]
        {
            (y.Supervisor, y.P("/spending-requests")), (y.Owners[0], y.P("/motions")), (y.Owners[0], y.P("/queries")),
            (y.Owners[0], y.P("/statements")), (y.Owners[0], y.P("/accounts")), (y.Owners[0], y.P("/roles")),
            (App.Anonymous(), y.P("/proposals")), (y.Trustee, y.P("/entries")), (y.Trustee, y.P("/units")),
            (y.Trustee, y.P("/bills")), (App.Anonymous(), $"/p/{y.Slug}/journal"),
        };
        foreach (var (reader, path) in lists)
        {
            var whole = (await reader.GetJsonAsync($"{path}?limit=500"));
            Assert.Null(whole["next"]);
            var all = whole["items"]!.AsArray().Select(i => i!.ToJsonString()).ToList();
            Assert.True(all.Count >= 3, $"{path} has {all.Count} items.");
            foreach (var size in new[] { 1, 2 })
            {
                var walked = new List<string>();
                string? after = null;
                for (var pages = 0; pages <= all.Count; pages++)
                {
                    var page = await reader.GetJsonAsync($"{path}?limit={size}" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"));
                    var items = page["items"]!.AsArray();
                    Assert.True(items.Count <= size, $"{path}: {items.Count} items on a page of {size}.");
                    // The last page says it is the last, even when exactly full: no empty page is ever handed out.
                    Assert.True(items.Count > 0, $"{path}: an empty page after a 'next' with pages of {size}.");
                    walked.AddRange(items.Select(i => i!.ToJsonString()));
                    after = page["next"]?.GetValue<string>();
                    if (after is null) break;
                }
                Assert.Equal(all, walked);
            }
            await (await reader.GetAsync($"{path}?limit=0")).AssertProblem(400, Codes.ValidationFailed);
            await (await reader.GetAsync($"{path}?limit=501")).AssertProblem(400, Codes.ValidationFailed);
            await (await reader.GetAsync($"{path}?after=%01")).AssertProblem(400, Codes.ValidationFailed);
        }
        // A cursor whose item has since left the list goes on after where it was, like a keyset page in SQL.
        var pending = await y.Supervisor.GetJsonAsync(y.P("/spending-requests?status=pending&limit=1"));
        var first = pending["items"]![0]!["id"]!.GetValue<long>();
        var cursor = pending["next"]!.GetValue<string>();
        await (await y.Supervisor.PostAsync(y.P($"/spending-requests/{first}/decisions"), new { decision = "approve", comment = "同意" })).AssertStatus(200);
        var rest = (await y.Supervisor.GetJsonAsync(y.P($"/spending-requests?status=pending&after={Uri.EscapeDataString(cursor)}")))["items"]!.AsArray();
        Assert.True(Assert.Single(rest)!["id"]!.GetValue<long>() > first);

        // The short lists page by the same rule.
        var motion = (await y.Admin.GetJsonAsync(y.P("/motions?limit=1")))["items"]![0]!["id"]!.GetValue<long>();
        await (await y.Admin.GetAsync(y.P($"/motions/{motion + 1000}/paper-ballots"))).AssertProblem(404, Codes.NotFound);
        foreach (var path in new[] { "/budgets", "/fee-schedule", "/evaluations", $"/motions/{motion}/paper-ballots" })
        {
            await (await y.Admin.GetAsync(y.P($"{path}?limit=501"))).AssertProblem(400, Codes.ValidationFailed);
            await (await y.Admin.GetAsync(y.P($"{path}?after={new string('9', 201)}"))).AssertProblem(400, Codes.ValidationFailed);
        }
    }
}

public sealed class SqliteListPagingTests(SqliteFixture fixture) : ListPagingTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresListPagingTests(PostgresFixture fixture) : ListPagingTests(fixture), IClassFixture<PostgresFixture>;
