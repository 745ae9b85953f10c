using System.Text.Json.Nodes;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Api;

/// <summary>
/// Tries to break the two-round-trip payment (issue 18: on PostgreSQL <c>FeeBook.PayAsync</c> reads the unit and its
/// open bills without a lock and plans against them, then <c>ledger_post_payment</c> checks them under the lock)
/// with a second service instance on the same database paying, billing, posting and closing months in between.
/// Run once per engine (on SQLite the same API runs the transactional path; two instances share the file).
/// </summary>
public abstract class OneCallPaymentTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private sealed record Books(string Slug, ApiClient A, ApiClient B, long[] Units, LedgerApp Other) : IDisposable
    {
        public string P(string path) => $"/api/v1/communities/{Slug}{path}";
        public void Dispose() => Other.Dispose();
    }

    /// <summary>A community with <paramref name="units"/> units of 100 m² (18000 fen a month), billed for the given months,
    /// and two instances: A (this fixture's) and B (a second app on the same database).</summary>
    private async Task<Books> BooksAsync(int units, params string[] billed)
    {
        var slug = await App.CommunityAsync("2026-09");
        var admin = await App.UserAsync(slug, "community_admin");
        var a = await App.UserAsync(slug, "trustee", "trustee_manager", "supervisor");
        var other = new LedgerApp(App.Engine, connectionString: App.ConnectionString);
        _ = other.Server;
        var b = await other.UserAsync(slug, "trustee", "trustee_manager", "supervisor", "community_admin");
        var ids = new List<long>();
        for (var i = 0; i < units; i++)
        {
            var unit = await (await admin.PostAsync($"/api/v1/communities/{slug}/units",
                new { building = "2栋", number = $"{201 + i}", use = "residential", area = 100m, areaSource = "registered", delivered = true })).AssertStatus(201);
            ids.Add(unit["id"]!.GetValue<long>());
            await (await admin.PostAsync($"/api/v1/communities/{slug}/owners", new { name = $"业主{i}", kind = "person", unitIds = new[] { ids[^1] } })).AssertStatus(201);
        }
        var books = new Books(slug, a, b, ids.ToArray(), other);
        await (await a.PutAsync(books.P("/fee-schedule"), new { effectiveFrom = "2026-09", rates = new { residential = "1.80" } })).AssertStatus(200);
        foreach (var month in billed) await (await a.PostAsync(books.P("/billing-runs"), new { month })).AssertStatus(201);
        return books;
    }

    private static Task<HttpResponseMessage> Pay(ApiClient api, Books b, long unit, long amount, string reference, string paidAt = "2026-11-20") =>
        api.PostAsync(b.P("/payments"), new { unitId = unit, amount, paidAt, channel = "bank", externalRef = reference });

    private static Task<HttpResponseMessage> Entry(ApiClient api, Books b, long amount, string? key) =>
        api.PostAsync(b.P("/entries"), new
        {
            date = "2026-11-10", memo = $"广告收入 {amount}", fund = "common",
            lines = new object[] { new { account = "1002", debit = amount }, new { account = "5202", credit = amount } },
        }, key);

    private async Task<long> CountAsync(Books b, string table)
    {
        var community = (await App.Service<CommunityBook>().FindAsync(b.Slug))!;
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        return await connection.QuerySingleAsync<long>($"SELECT COUNT(*) FROM {table} WHERE community_id = @Id", new { community.Id });
    }

    private static async Task AssertIntegrityAsync(Books b, long seq)
    {
        foreach (var api in new[] { b.A, b.B })
        {
            var integrity = await api.GetJsonAsync(b.P("/integrity"));
            Assert.True(integrity["ok"]!.GetValue<bool>(), integrity.ToJsonString());
            Assert.Equal(seq, integrity["seq"]!.GetValue<long>());
        }
    }

    /// <summary>
    /// The unit's bills and payments replayed in the order they were posted, oldest bills first (Model's allocation;
    /// a billing run settles from the prepayment held): each payment's allocated and prepaid parts, every bill's
    /// paid amount, the settlements and the prepayment are what that order gives.
    /// </summary>
    private async Task AssertAllocatedInOrderAsync(Books b, long unit)
    {
        var statement = await b.A.GetJsonAsync(b.P($"/units/{unit}/statement"));
        var bills = statement["bills"]!.AsArray().Select(x => x!).ToList();
        var due = new Dictionary<long, long>();
        var open = new List<JsonNode>();
        var prepaid = 0L;
        IReadOnlyList<(OpenBill Bill, long Amount)> Settle(long amount, out long left)
        {
            var (parts, rest) = Allocation.OldestFirst(open.Select(x => new OpenBill(x["id"]!.GetValue<long>(), x["month"]!.GetValue<string>(),
                x["kind"]!.GetValue<string>(), due[x["id"]!.GetValue<long>()])), amount);
            foreach (var (bill, part) in parts) due[bill.Id] -= part;
            left = rest;
            return parts;
        }
        var events = bills.Select(x => (Seq: x["seq"]!.GetValue<long>(), Bill: (JsonNode?)x, Payment: (JsonNode?)null))
            .Concat(statement["payments"]!.AsArray().Select(x => (Seq: x!["seq"]!.GetValue<long>(), Bill: (JsonNode?)null, Payment: (JsonNode?)x)))
            .OrderBy(e => e.Seq);
        foreach (var (_, bill, payment) in events)
        {
            if (bill is not null)
            {
                open.Add(bill);
                due[bill["id"]!.GetValue<long>()] = bill["amount"]!.GetValue<long>();
                Settle(prepaid, out prepaid);
                continue;
            }
            var amount = payment!["amount"]!.GetValue<long>();
            Settle(amount, out var left);
            Assert.Equal(amount - left, payment["allocated"]!.GetValue<long>());
            Assert.Equal(left, payment["prepaid"]!.GetValue<long>());
            prepaid += left;
        }
        foreach (var bill in bills) Assert.Equal(bill["amount"]!.GetValue<long>() - due[bill["id"]!.GetValue<long>()], bill["paid"]!.GetValue<long>());
        Assert.Equal(prepaid, statement["prepayment"]!.GetValue<long>());

        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        var unsettled = await connection.QuerySingleAsync<long>("""
            SELECT COUNT(*) FROM bills b WHERE b.unit_id = @unit
            AND b.paid_fen <> COALESCE((SELECT SUM(s.amount_fen) FROM settlements s WHERE s.community_id = b.community_id AND s.bill_id = b.id), 0)
            """, new { unit });
        Assert.Equal(0, unsettled);
    }

    [SkippableFact]
    public async Task Payments_and_entries_from_two_instances_interleaved_and_at_once_keep_one_chain_and_settle_oldest_first()
    {
        using var b = await BooksAsync(2, "2026-09", "2026-10", "2026-11"); // entries 1-6
        var (u1, u2) = (b.Units[0], b.Units[1]);

        // A caches the head after its billing; B moves it; A's payment, planned and hashed against what it saw, lands after B's.
        var first = await (await Pay(b.A, b, u1, 10000, "S-1")).AssertStatus(201);
        var second = await (await Pay(b.B, b, u1, 10000, "S-2")).AssertStatus(201);
        var third = await (await Pay(b.A, b, u1, 10000, "S-3")).AssertStatus(201);
        Assert.Equal([7L, 8L, 9L], [first["seq"]!.GetValue<long>(), second["seq"]!.GetValue<long>(), third["seq"]!.GetValue<long>()]);
        Assert.Equal([10000L, 10000L, 10000L], [first["allocated"]!.GetValue<long>(), second["allocated"]!.GetValue<long>(), third["allocated"]!.GetValue<long>()]);
        await (await Entry(b.B, b, 100, "e-1")).AssertStatus(201);

        // Both instances at once, payments on both units and manual entries between them: 48 more postings.
        var writes = Enumerable.Range(0, 48).Select(i =>
        {
            var api = i % 2 == 0 ? b.A : b.B;
            return i % 3 == 2 ? Entry(api, b, 100 + i, i % 2 == 0 ? $"e-x{i}" : null) : Pay(api, b, i % 4 < 2 ? u1 : u2, 2500 + 37 * i, $"X-{i}");
        });
        var responses = await Task.WhenAll(writes);
        foreach (var r in responses) await r.AssertStatus(201);

        await AssertIntegrityAsync(b, 58);
        Assert.Equal(58, await CountAsync(b, "entries"));
        Assert.Equal(3 + 32, await CountAsync(b, "payments"));
        await AssertAllocatedInOrderAsync(b, u1);
        await AssertAllocatedInOrderAsync(b, u2);
        var bodies = await Task.WhenAll(responses.Select(async r => JsonNode.Parse(await r.Content.ReadAsStringAsync())!));
        var paymentIds = bodies.Where(x => x["externalRef"] is not null).Select(x => x["id"]!.GetValue<long>()).ToList();
        Assert.Equal(paymentIds.Count, paymentIds.Distinct().Count());
    }

    [SkippableFact]
    public async Task A_plan_made_before_another_instance_settled_the_bills_is_made_again_oldest_first()
    {
        using var b = await BooksAsync(1, "2026-09", "2026-10");
        var unit = b.Units[0];
        // Everything due paid, 5000 left as prepayment.
        await (await Pay(b.A, b, unit, 2 * 18000 + 5000, "ST-1")).AssertStatus(201);

        // B bills November, settling 5000 of it from the prepayment, while A plans a payment against no open bill.
        JsonObject late;
        if (App.Engine == Engine.Postgres)
        {
            // A reads the unit's bills and then waits for its payment id (the sequence is held here); B bills in
            // between; A's plan (all of it prepayment) is stale when it reaches the lock.
            await using var hold = await App.Service<LedgerDatabase>().OpenAsync();
            await using var tx = await hold.BeginTransactionAsync();
            await hold.ExecuteAsync("ALTER SEQUENCE payments_id_seq INCREMENT BY 1", transaction: tx);
            var paying = Pay(b.A, b, unit, 20000, "ST-2");
            await WaitForSequenceWaiterAsync();
            await (await b.B.PostAsync(b.P("/billing-runs"), new { month = "2026-11" })).AssertStatus(201);
            await tx.RollbackAsync();
            late = await (await paying).AssertStatus(201);
        }
        else
        {
            await (await b.B.PostAsync(b.P("/billing-runs"), new { month = "2026-11" })).AssertStatus(201);
            late = await (await Pay(b.A, b, unit, 20000, "ST-2")).AssertStatus(201);
        }
        Assert.Equal(18000 - 5000, late["allocated"]!.GetValue<long>());
        Assert.Equal(20000 - 13000, late["prepaid"]!.GetValue<long>());
        var statement = await b.A.GetJsonAsync(b.P($"/units/{unit}/statement"));
        Assert.All(statement["bills"]!.AsArray(), x => Assert.Equal("paid", x!["status"]!.GetValue<string>()));
        Assert.Equal(7000, statement["prepayment"]!.GetValue<long>());
        Assert.Equal(0, statement["balanceDue"]!.GetValue<long>());
        await AssertAllocatedInOrderAsync(b, unit);
        await AssertIntegrityAsync(b, 2 + 1 + 2 + 1); // two bills, a payment, November's bill and its settlement from the prepayment, a payment
    }

    private async Task WaitForSequenceWaiterAsync()
    {
        await using var connection = await App.Service<LedgerDatabase>().OpenAsync();
        for (var i = 0; i < 200; i++)
        {
            if (await connection.QuerySingleAsync<long>(
                    """
                    SELECT COUNT(*) FROM pg_locks WHERE NOT granted AND relation = 'payments_id_seq'::regclass
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """) > 0) return;
            await Task.Delay(25);
        }
        throw new TimeoutException("The payment never waited for its id.");
    }

    [SkippableFact]
    public async Task A_payment_replayed_on_either_instance_gives_its_first_body_and_a_different_request_with_its_reference_is_refused()
    {
        using var b = await BooksAsync(2, "2026-09");
        var first = await Pay(b.A, b, b.Units[0], 18000, "R-1");
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(201, (int)first.StatusCode);
        await (await Pay(b.B, b, b.Units[1], 9000, "R-2")).AssertStatus(201);
        await (await Entry(b.A, b, 300, null)).AssertStatus(201);

        foreach (var api in new[] { b.A, b.B })
        {
            var replay = await Pay(api, b, b.Units[0], 18000, "R-1");
            Assert.Equal(201, (int)replay.StatusCode);
            Assert.Equal("true", replay.Headers.GetValues("Idempotency-Replayed").Single());
            Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());
            await (await Pay(api, b, b.Units[0], 17000, "R-1")).AssertProblem(409, Codes.IdempotencyKeyReused);
            await (await Pay(api, b, b.Units[1], 18000, "R-1")).AssertProblem(409, Codes.IdempotencyKeyReused);
            // A request the rules refuse, with a reference already used: the reference's answer comes first, as before.
            await (await Pay(api, b, 999_999, 18000, "R-1")).AssertProblem(409, Codes.IdempotencyKeyReused);
        }
        Assert.Equal(2, await CountAsync(b, "payments"));
        await AssertIntegrityAsync(b, 2 + 1 + 1 + 1); // two bills, two payments, an entry
    }

    [SkippableFact]
    public async Task A_payment_into_a_month_the_other_instance_closed_or_for_an_unknown_unit_is_refused_and_writes_nothing()
    {
        using var b = await BooksAsync(1, "2026-09", "2026-10");
        var unit = b.Units[0];
        // A has cached the community with October open.
        await (await Pay(b.A, b, unit, 1000, "C-1", "2026-10-20")).AssertStatus(201);
        await (await b.B.PostAsync(b.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await b.B.PostAsync(b.P("/months/2026-10/close"), null)).AssertStatus(200);

        var closed = await (await Pay(b.A, b, unit, 1000, "C-2", "2026-10-21")).AssertProblem(422, Codes.MonthClosed);
        var direct = await (await Pay(b.B, b, unit, 1000, "C-3", "2026-10-21")).AssertProblem(422, Codes.MonthClosed);
        Assert.Equal(direct["detail"]!.ToJsonString(), closed["detail"]!.ToJsonString());

        var other = await App.CommunityAsync("2026-09");
        var foreign = (await (await (await App.UserAsync(other, "community_admin")).PostAsync($"/api/v1/communities/{other}/units",
            new { building = "9栋", number = "901", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertStatus(201))["id"]!.GetValue<long>();
        foreach (var api in new[] { b.A, b.B })
        {
            await (await Pay(api, b, 999_999, 1000, "C-4")).AssertProblem(422, Codes.UnknownUnit);
            await (await Pay(api, b, foreign, 1000, "C-4")).AssertProblem(422, Codes.UnknownUnit);
        }
        Assert.Equal(1, await CountAsync(b, "payments"));
        await AssertIntegrityAsync(b, 3);

        // Refused references are not kept: the same one is accepted once the request is right, and settles oldest first.
        var paid = await (await Pay(b.A, b, unit, 20000, "C-4")).AssertStatus(201);
        Assert.Equal(20000, paid["allocated"]!.GetValue<long>());
        await AssertAllocatedInOrderAsync(b, unit);
        await AssertIntegrityAsync(b, 4);
    }

    /// <summary>
    /// A reference recorded without an idempotency record (the demo seeder's, a bank line's receipt) is taken: paying or
    /// receiving under it again through either instance is 409 external_ref_used (once a unique-index 500), and writes
    /// nothing; a reference first sent through the API is still replayed on retry.
    /// </summary>
    [SkippableFact]
    public async Task A_reference_recorded_outside_the_API_is_409_external_ref_used_and_changes_nothing()
    {
        using var b = await BooksAsync(1, "2026-10");
        var community = (await App.Service<CommunityBook>().FindAsync(b.Slug))!;
        var fees = App.Service<FeeBook>();
        var seeded = await App.Service<CommunityWriter>().RunAsync(community, null, null, async scope =>
        {
            var paid = await fees.PayAsync(scope, b.Units[0], 5000, new DateOnly(2026, 11, 3), "bank", "SEED-1");
            if (!paid.Ok) return paid.Failure!;
            var got = await fees.ReceiveAsync(scope, "parking", 7000, new DateOnly(2026, 11, 3), "某某停车管理有限公司", "十一月", "SEED-2");
            return got.Ok ? new StoredResponse(201, "{}") : got.Failure!;
        });
        Assert.IsType<WriteOutcome.Done>(seeded);
        var seq = (await b.A.GetJsonAsync(b.P("/integrity")))["seq"]!.GetValue<long>();

        foreach (var api in new[] { b.A, b.B })
        {
            await (await Pay(api, b, b.Units[0], 5000, "SEED-1")).AssertProblem(409, Codes.ExternalRefUsed);
            await (await Pay(api, b, b.Units[0], 123, "SEED-1")).AssertProblem(409, Codes.ExternalRefUsed);
            await (await api.PostAsync(b.P("/receipts"), new { source = "parking", amount = 7000, receivedAt = "2026-11-03", payer = "某某停车管理有限公司", memo = "十一月", externalRef = "SEED-2" }))
                .AssertProblem(409, Codes.ExternalRefUsed);
        }
        Assert.Equal(1, await CountAsync(b, "payments"));
        Assert.Equal(1, await CountAsync(b, "receipts"));
        await AssertIntegrityAsync(b, seq);

        var first = await Pay(b.A, b, b.Units[0], 4000, "API-1");
        await first.AssertStatus(201);
        var retry = await Pay(b.B, b, b.Units[0], 4000, "API-1");
        await retry.AssertStatus(201);
        Assert.Equal("true", retry.Headers.GetValues("Idempotency-Replayed").Single());
        await AssertIntegrityAsync(b, seq + 1);
    }
}

public sealed class SqliteOneCallPaymentTests(SqliteFixture fixture) : OneCallPaymentTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresOneCallPaymentTests(PostgresFixture fixture) : OneCallPaymentTests(fixture), IClassFixture<PostgresFixture>;
