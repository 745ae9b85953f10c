using Dapper;
using Ledger.Domain.Model;
using static Ledger.Domain.Model.AccountCodes;

namespace Ledger.Domain.Store;

public sealed record BillView(long Id, long UnitId, string Month, string Kind, long Amount, long Paid, string Status, long Seq, string IssuedOn, long? LateFeeOf);

public sealed record BillingRun(string Month, long Bills, long Total, long? FirstSeq, long? LastSeq, string CreatedAt, bool Created);

public sealed record PaymentView(long Id, long UnitId, string ExternalRef, string Channel, long Amount, string PaidAt, long Seq, long Allocated, long Prepaid);

public sealed record ReceiptView(long Id, string Source, long Amount, string ReceivedAt, string Payer, string Memo, string ExternalRef, long Seq);

public sealed record UnitStatement(long UnitId, IReadOnlyList<BillView> Bills, IReadOnlyList<PaymentView> Payments, long Prepayment, long BalanceDue);

public sealed record ArrearsUnit(long UnitId, string Building, string Number, long Due, IReadOnlyList<long> Buckets);

public sealed record MonthCollection(string Month, long Billed, long Collected, long RateBasisPoints);

public sealed record Arrears(string AsOf, long UnitsInArrears, long TotalDue, IReadOnlyList<long> Buckets, IReadOnlyList<ArrearsUnit> Units, IReadOnlyList<MonthCollection> Months);

/// <summary>
/// Fees and receipts: schedules, the monthly billing run, payments settling the oldest bills first
/// with any surplus kept as the unit's prepayment, public revenue, and what each owner owes.
/// </summary>
public sealed class FeeBook(LedgerDatabase db, Journal journal)
{
    private class BillRow
    {
        public long Id { get; init; }
        public long UnitId { get; init; }
        public string Month { get; init; } = "";
        public string Kind { get; init; } = "";
        public long AmountFen { get; init; }
        public long PaidFen { get; init; }
        public long Seq { get; init; }
        public string IssuedOn { get; init; } = "";
        public long? LateFeeOf { get; init; }
        public BillView ToView() => new(Id, UnitId, Month, Kind, AmountFen, PaidFen, PaidFen == AmountFen ? "paid" : "open", Seq, IssuedOn, LateFeeOf);
        public OpenBill ToOpen() => new(Id, Month, Kind, AmountFen - PaidFen);
    }

    /// <summary>A unit holding a prepayment of <see cref="Balance"/>, with one of its open bills (<see cref="BillRow.Id"/> 0: none).</summary>
    private sealed class HolderBillRow : BillRow
    {
        public long Holder { get; init; }
        public long Balance { get; init; }
    }

    private sealed class RunRow
    {
        public string Month { get; init; } = "";
        public long Bills { get; init; }
        public long TotalFen { get; init; }
        public long? FirstSeq { get; init; }
        public long? LastSeq { get; init; }
        public string CreatedAt { get; init; } = "";
    }

    private sealed class PaymentRow
    {
        public long Id { get; init; }
        public long UnitId { get; init; }
        public string ExternalRef { get; init; } = "";
        public string Channel { get; init; } = "";
        public long AmountFen { get; init; }
        public string PaidOn { get; init; } = "";
        public long Seq { get; init; }
        public long Allocated { get; init; }
    }

    private const string BillColumns = "id, unit_id, month, kind, amount_fen, paid_fen, seq, issued_on, late_fee_of";

    /// <summary>Sets the rates by unit use from a month on. Fails with: month_closed when that month is closed (nothing can be
    /// billed in it any more), month_already_billed (409) when that month or a later one is billed.</summary>
    public async Task<Result<IReadOnlyDictionary<string, long>>> SetScheduleAsync(WriteScope scope, Month from, IReadOnlyDictionary<string, long> rates)
    {
        if (await CommunityBook.IsClosedAsync(scope, scope.Community.Id, from))
            return new Failure(Codes.MonthClosed, $"{from} is closed: nothing can be billed in it, so a schedule can start from an open month only.");
        var billed = await scope.QuerySingleOrDefaultAsync<string>(
            "SELECT MAX(month) FROM billing_runs WHERE community_id = @Id AND month >= @From", new { scope.Community.Id, From = from.ToString() });
        if (billed is not null)
            return Failure.Conflict(Codes.MonthAlreadyBilled, $"{billed} is already billed; a new schedule can start from a later month. Bills issued never change.");
        await scope.ExecuteAsync("DELETE FROM fee_rates WHERE community_id = @Id AND effective_from = @From", new { scope.Community.Id, From = from.ToString() });
        await scope.ExecuteAsync("""
            INSERT INTO fee_rates (community_id, effective_from, use, rate_centi_fen, created_at) VALUES (@Id, @From, @Use, @Rate, @At)
            """, rates.Select(r => new { scope.Community.Id, From = from.ToString(), Use = r.Key, Rate = r.Value, At = Dates.Instant(scope.Now) }));
        return Result<IReadOnlyDictionary<string, long>>.From(rates);
    }

    public sealed record Schedule(string EffectiveFrom, IReadOnlyDictionary<string, long> Rates);

    public async Task<IReadOnlyList<Schedule>> SchedulesAsync(long communityId)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<(string From, string Use, long Rate)>(
                "SELECT effective_from, use, rate_centi_fen FROM fee_rates WHERE community_id = @communityId ORDER BY effective_from, use", new { communityId }))
            .GroupBy(r => r.From)
            .Select(g => new Schedule(g.Key, g.ToDictionary(r => r.Use, r => r.Rate)))
            .ToList();
    }

    private sealed class UnitBillingRow
    {
        public long Id { get; init; }
        public string Use { get; init; } = "";
        public long AreaCentiM2 { get; init; }
        public bool Delivered { get; init; }
        public long? OwnerId { get; init; }
    }

    /// <summary>
    /// Bills every unit for <paramref name="month"/>, once: a second run (or a racing one, which waits
    /// on the community lock) returns the first. Also charges late fees where the trust terms set
    /// them, and settles the new bills from each unit's prepayment. Fails, billing nothing, with:
    /// month_not_open, month_closed, no_fee_schedule, no_rate_for_use.
    /// </summary>
    public async Task<Result<BillingRun>> RunBillingAsync(WriteScope scope, Month month)
    {
        var c = scope.Community;
        var existing = await scope.QuerySingleOrDefaultAsync<RunRow>(
            "SELECT month, bills, total_fen, first_seq, last_seq, created_at FROM billing_runs WHERE community_id = @Id AND month = @M",
            new { c.Id, M = month.ToString() });
        if (existing is not null)
            return new BillingRun(existing.Month, existing.Bills, existing.TotalFen, existing.FirstSeq, existing.LastSeq, existing.CreatedAt, false);
        if (month < c.BooksStartMonth || month > Month.Of(scope.Today))
            return new Failure(Codes.MonthNotOpen, $"{month} is not an open month (books from {c.BooksStartMonth}, today {Dates.Format(scope.Today)}).");

        var rates = (await scope.QueryAsync<(string Use, long Rate)>("""
            SELECT use, rate_centi_fen FROM fee_rates WHERE community_id = @Id AND effective_from =
                (SELECT MAX(effective_from) FROM fee_rates WHERE community_id = @Id AND effective_from <= @M)
            """, new { c.Id, M = month.ToString() })).ToDictionary(r => r.Use, r => r.Rate);
        if (rates.Count == 0) return new Failure(Codes.NoFeeSchedule, $"No fee schedule is in force for {month}.");

        var developer = await scope.QuerySingleOrDefaultAsync<long?>(
            "SELECT MIN(id) FROM owners WHERE community_id = @Id AND kind = 'developer'", new { c.Id });
        var units = (await scope.QueryAsync<UnitBillingRow>("""
            SELECT u.id, u.use, u.area_centi_m2, u.delivered,
                   (SELECT MIN(uo.owner_id) FROM unit_owners uo WHERE uo.community_id = u.community_id AND uo.unit_id = u.id) AS owner_id
            FROM units u WHERE u.community_id = @Id ORDER BY u.id
            """, new { c.Id })).ToList();
        var unrated = units.Select(u => u.Use).Distinct().Where(u => !rates.ContainsKey(u)).Order().ToList();
        if (unrated.Count > 0) return new Failure(Codes.NoRateForUse, $"The schedule for {month} has no rate for: {string.Join(", ", unrated)}.");

        var date = month.FirstDay;
        var drafts = new List<EntryDraft>();
        var newBills = new List<(long UnitId, long? OwnerId, string Kind, long? LateFeeOf, long Amount)>();

        // Late fees first, on bills still open from earlier months (DESIGN.md section 5).
        var terms = await RegisterBook.TrustTermsAsync(scope, c.Id);
        if (terms?.Terms.LateFee is { } lateFee)
        {
            var previous = month.Previous;
            var overdue = await scope.QueryAsync<(long Id, long UnitId, long? OwnerId, long Amount, long Paid, long Charged)>("""
                SELECT b.id, b.unit_id, b.owner_id, b.amount_fen, b.paid_fen,
                       COALESCE((SELECT SUM(l.amount_fen) FROM bills l WHERE l.community_id = b.community_id AND l.late_fee_of = b.id), 0)
                FROM bills b
                WHERE b.community_id = @Id AND b.kind = 'fee' AND b.paid_fen < b.amount_fen AND b.month < @Previous
                ORDER BY b.id
                """, new { c.Id, Previous = previous.ToString() });
            var days = previous.LastDay.Day;
            foreach (var b in overdue)
            {
                var fee = Fees.LateFee(b.Amount - b.Paid, lateFee.DailyRatePermyriad, days, b.Amount, lateFee.CapBasisPoints, b.Charged);
                if (fee <= 0) continue;
                newBills.Add((b.UnitId, b.OwnerId, "late_fee", b.Id, fee));
                drafts.Add(new EntryDraft(date, $"违约金 {previous}", Funds.Common,
                    [new EntryLine(Receivable, fee, null, b.UnitId), new EntryLine(LateFeeIncome, null, fee)], Kind: EntryKinds.LateFee));
            }
        }

        foreach (var u in units)
        {
            var amount = Fees.MonthlyFee(u.AreaCentiM2, rates[u.Use]);
            if (amount <= 0) continue;
            var billed = Allocation.BilledParty(u.OwnerId, u.Delivered, developer);
            newBills.Add((u.Id, billed, "fee", null, amount));
            drafts.Add(new EntryDraft(date, $"物业服务费 {month}", Funds.Common,
                [new EntryLine(Receivable, amount, null, u.Id), new EntryLine(FeeIncome, null, amount)], Kind: EntryKinds.Bill));
        }

        if (drafts.Count == 0)
        {
            var empty = new BillingRun(month.ToString(), 0, 0, null, null, Dates.Instant(scope.Now), true);
            await InsertRunAsync(scope, empty);
            return empty;
        }

        // Units holding a prepayment settle their open bills from it, the new ones included, oldest first: planned
        // before anything is written, so the settlement entries go in the same posting as the bills and the new
        // bills are written already paid that far (not written, read back and updated).
        var settlements = await PlanPrepaymentsAsync(scope, month, date, newBills.Select(b => (b.UnitId, b.Kind, b.Amount)).ToList());
        var posted = await journal.PostAsync(scope, [.. drafts, .. settlements.Drafts], checkUnits: false);
        if (!posted.Ok) return posted.Failure!;
        var at = Dates.Instant(scope.Now);
        await Bulk.InsertAsync(scope, "INSERT INTO bills (community_id, unit_id, owner_id, month, kind, late_fee_of, amount_fen, paid_fen, seq, issued_on, created_at)",
            newBills.Select((b, i) => new object?[]
            {
                c.Id, b.UnitId, b.OwnerId, month.ToString(), b.Kind, b.LateFeeOf, b.Amount, settlements.NewPaid[i], posted.Value![i].Entry.Seq, Dates.Format(date), at,
            }).ToList());
        if (settlements.Drafts.Count > 0)
        {
            // The new bills' ids, by the sequence number of the entry that issued each.
            var newIds = settlements.Parts.Any(p => p.NewIndex is not null)
                ? (await scope.QueryAsync<(long Id, long Seq)>("SELECT id, seq FROM bills WHERE community_id = @Id AND month = @M AND seq BETWEEN @First AND @Last",
                    new { c.Id, M = month.ToString(), First = posted.Value![0].Entry.Seq, Last = posted.Value[newBills.Count - 1].Entry.Seq })).ToDictionary(r => r.Seq, r => r.Id)
                : [];
            long BillId((long? OldId, int? NewIndex, long Amount, int Draft) p) => p.OldId ?? newIds[posted.Value![p.NewIndex!.Value].Entry.Seq];
            await Bulk.InsertAsync(scope, "INSERT INTO settlements (community_id, bill_id, payment_id, seq, amount_fen, settled_on)",
                settlements.Parts.Select(p => new object?[] { c.Id, BillId(p), null, posted.Value![drafts.Count + p.Draft].Entry.Seq, p.Amount, Dates.Format(date) }).ToList());
            await Bulk.AddToPaidAsync(scope, settlements.Parts.Where(p => p.OldId is not null).Select(p => new object?[] { p.OldId!.Value, p.Amount }).ToList());
        }
        var run = new BillingRun(month.ToString(), newBills.Count, newBills.Sum(b => b.Amount),
            posted.Value![0].Entry.Seq, posted.Value[newBills.Count - 1].Entry.Seq, at, true);
        await InsertRunAsync(scope, run);
        return run;
    }

    private sealed record PrepaymentPlan(
        IReadOnlyList<EntryDraft> Drafts, long[] NewPaid, IReadOnlyList<(long? OldId, int? NewIndex, long Amount, int Draft)> Parts);

    /// <summary>
    /// Units holding a prepayment settle their open bills from it, oldest first: Dr 2203 / Cr 1122, one entry per unit.
    /// The open bills are those already written and <paramref name="newBills"/> (about to be written, in that order,
    /// so after every bill already written). Returns the entries, what each new bill is paid, and each settlement:
    /// the bill (an id, or an index into <paramref name="newBills"/>), the amount, and its entry (an index into the drafts).
    /// </summary>
    private static async Task<PrepaymentPlan> PlanPrepaymentsAsync(WriteScope scope, Month month, DateOnly date, IReadOnlyList<(long UnitId, string Kind, long Amount)> newBills)
    {
        var newPaid = new long[newBills.Count];
        // Units holding a prepayment, each with its open bills (none: one row with no bill), in one read.
        var rows = (await scope.QueryAsync<HolderBillRow>("""
            WITH holders (holder, balance) AS (
                SELECT unit_id, CAST(SUM(credit_fen - debit_fen) AS BIGINT) FROM unit_balances
                WHERE community_id = @Id AND account_code = @Prepaid GROUP BY unit_id HAVING SUM(credit_fen - debit_fen) > 0)
            SELECT h.holder, h.balance, b.id, b.unit_id, b.month, b.kind, b.amount_fen, b.paid_fen, b.seq, b.issued_on, b.late_fee_of
            FROM holders h LEFT JOIN bills b ON b.community_id = @Id AND b.unit_id = h.holder AND b.paid_fen < b.amount_fen
            ORDER BY h.holder, b.month, b.kind, b.id
            """, new { scope.Community.Id, Prepaid })).ToList();
        if (rows.Count == 0) return new PrepaymentPlan([], newPaid, []);
        var prepaid = rows.DistinctBy(r => r.Holder).Select(r => (UnitId: r.Holder, r.Balance)).ToList();
        var holders = prepaid.Select(p => p.UnitId).ToHashSet();
        var open = rows.Where(r => r.Id != 0).ToLookup(r => r.Holder, r => (BillRow)r);
        // A new bill stands in with an id above every written one, in the order it will be written.
        const long NewIdBase = long.MaxValue / 2;
        var fresh = newBills.Select((b, i) => (b, i)).Where(x => holders.Contains(x.b.UnitId)).ToLookup(x => x.b.UnitId);
        var drafts = new List<EntryDraft>();
        var parts = new List<(long? OldId, int? NewIndex, long Amount, int Draft)>();
        foreach (var (unitId, balance) in prepaid)
        {
            var candidates = open[unitId].Select(b => b.ToOpen())
                .Concat(fresh[unitId].Select(x => new OpenBill(NewIdBase + x.i, month.ToString(), x.b.Kind, x.b.Amount)));
            var (plan, _) = Allocation.OldestFirst(candidates, balance);
            if (plan.Count == 0) continue;
            foreach (var (bill, amount) in plan)
            {
                int? index = bill.Id >= NewIdBase ? (int)(bill.Id - NewIdBase) : null;
                if (index is { } i) newPaid[i] += amount;
                parts.Add((index is null ? bill.Id : null, index, amount, drafts.Count));
            }
            var total = plan.Sum(x => x.Amount);
            drafts.Add(new EntryDraft(date, "预收物业费抵扣", Funds.Common,
                [new EntryLine(Prepaid, total, null, unitId), new EntryLine(Receivable, null, total, unitId)], Kind: EntryKinds.PrepaymentApplied));
        }
        return new PrepaymentPlan(drafts, newPaid, parts);
    }

    private static Task InsertRunAsync(WriteScope scope, BillingRun run) => scope.ExecuteAsync("""
        INSERT INTO billing_runs (community_id, month, bills, total_fen, first_seq, last_seq, created_at)
        VALUES (@Id, @Month, @Bills, @Total, @FirstSeq, @LastSeq, @CreatedAt)
        """, new { scope.Community.Id, run.Month, run.Bills, run.Total, run.FirstSeq, run.LastSeq, run.CreatedAt });

    /// <summary>Records which entry settled how much of which bill, and marks the bills paid that far. Each bill appears once.</summary>
    private static async Task RecordSettlementsAsync(WriteScope scope, List<(OpenBill Bill, long Amount, long Seq)> parts, long? paymentId, DateOnly date)
    {
        await Bulk.InsertAsync(scope, "INSERT INTO settlements (community_id, bill_id, payment_id, seq, amount_fen, settled_on)",
            parts.Select(p => new object?[] { scope.Community.Id, p.Bill.Id, paymentId, p.Seq, p.Amount, Dates.Format(date) }).ToList());
        await Bulk.AddToPaidAsync(scope, parts.Select(p => new object?[] { p.Bill.Id, p.Amount }).ToList());
    }

    /// <summary>
    /// Records a payment for a unit: Dr 1002, Cr 1122 against the oldest open bills first, and any
    /// surplus Cr 2203 as the unit's prepayment. Fails with: unknown_unit, external_ref_used, and the posting codes.
    /// In a deferred scope (<see cref="CommunityWriter.PostAsync"/> on PostgreSQL) it reads without a lock
    /// (<see cref="ReadForPaymentAsync"/>) and leaves the payment's rows in <see cref="WriteScope.PendingPayment"/>
    /// for <c>ledger_post_payment</c> (migration 0020), which checks under the lock that the bills planned
    /// against are still the unit's open bills; an unknown unit is left to the transactional path.
    /// </summary>
    public async Task<Result<PaymentView>> PayAsync(WriteScope scope, long unitId, long amount, DateOnly paidOn, string channel, string externalRef)
    {
        // The unit and its open bills in one round trip: under the head lock the write holds, or (deferred) without
        // a lock and with a payment id taken in advance.
        var read = scope.Deferred
            ? scope.PaymentRead ??= await ReadForPaymentAsync(scope, scope.Community.Id, unitId, externalRef, takeId: true)
            : await ReadForPaymentAsync(scope, scope.Community.Id, unitId, externalRef, takeId: false);
        if (!read.UnitExists)
            return scope.Deferred
                ? new Failure(Journal.DeferredToTransaction, "An unknown unit is decided under the lock.")
                : new Failure(Codes.UnknownUnit, $"Unit {unitId} does not exist in this community.");
        // A reference already recorded is either this request's retry, replayed under the lock from its idempotency
        // record, or a payment recorded otherwise (the bank file, the seeder): a conflict, not a second payment.
        if (read.RefUsed)
            return scope.Deferred
                ? new Failure(Journal.DeferredToTransaction, "A reference already used is decided under the lock.")
                : RefUsed(externalRef);
        var (parts, left) = Allocation.OldestFirst(read.Open, amount);
        var allocated = amount - left;
        var lines = new List<EntryLine> { new(Bank, amount, null) };
        if (allocated > 0) lines.Add(new EntryLine(Receivable, null, allocated, unitId));
        if (left > 0) lines.Add(new EntryLine(Prepaid, null, left, unitId));
        var posted = await journal.PostAsync(scope, [new EntryDraft(paidOn, $"物业费缴款 {channel}", Funds.Common, lines, Kind: EntryKinds.Payment)], checkUnits: false);
        if (!posted.Ok) return posted.Failure!;
        var seq = posted.Value![0].Entry.Seq;
        if (read.PaymentId is { } takenId)
        {
            scope.PendingPayment = new PendingPayment(takenId, unitId, externalRef, channel, amount, Dates.Format(paidOn),
                [.. read.Open.Select(b => b.Id)], [.. read.Paid], [.. parts.Select(p => p.Bill.Id)], [.. parts.Select(p => p.Amount)]);
            return new PaymentView(takenId, unitId, externalRef, channel, amount, Dates.Format(paidOn), seq, allocated, left);
        }
        var paymentId = await scope.QuerySingleAsync<long>("""
            INSERT INTO payments (community_id, unit_id, external_ref, channel, amount_fen, paid_on, seq, created_at)
            VALUES (@Id, @unitId, @externalRef, @channel, @amount, @On, @seq, @At) RETURNING id
            """, new { scope.Community.Id, unitId, externalRef, channel, amount, On = Dates.Format(paidOn), seq, At = Dates.Instant(scope.Now) });
        if (parts.Count > 0) await RecordSettlementsAsync(scope, parts.Select(p => (p.Bill, p.Amount, seq)).ToList(), paymentId, paidOn);
        return new PaymentView(paymentId, unitId, externalRef, channel, amount, Dates.Format(paidOn), seq, allocated, left);
    }

    /// <summary>
    /// One round trip: whether the unit exists, its open bills in allocation order with what is paid on each, and
    /// (<paramref name="takeId"/>, PostgreSQL) a payment id taken from the payments identity sequence. Read without a
    /// lock, a plan made on this is checked under the lock by <c>ledger_post_payment</c>.
    /// </summary>
    internal static async Task<PaymentRead> ReadForPaymentAsync(ReadScope read, long communityId, long unitId, string externalRef, bool takeId)
    {
        // The sequence last: each statement sees the data as it is when it runs.
        await using var reads = await read.Connection.QueryMultipleAsync($"""
            SELECT (SELECT COUNT(*) FROM units WHERE community_id = @Id AND id = @unitId), {ReferenceUsesSql};
            SELECT {BillColumns} FROM bills WHERE community_id = @Id AND unit_id = @unitId AND paid_fen < amount_fen ORDER BY month, kind, id
            {(takeId ? ";\nSELECT nextval(pg_get_serial_sequence('payments', 'id'))" : "")}
            """, new { Id = communityId, unitId, externalRef }, read.Transaction);
        var (unit, used) = await reads.ReadSingleAsync<(long, long)>();
        var bills = (await reads.ReadAsync<BillRow>()).ToList();
        long? id = takeId ? await reads.ReadSingleAsync<long>() : null;
        return new PaymentRead(unit > 0, used > 0, bills.Select(b => b.ToOpen()).ToList(), bills.Select(b => b.PaidFen).ToList(), id);
    }

    /// <summary>One payment of a batch for <see cref="PayManyAsync"/>.</summary>
    public sealed record NewPayment(long UnitId, long Amount, DateOnly PaidOn, string Channel, string ExternalRef);

    /// <summary>
    /// Many payments at once (a bank's day file, the benchmark's generator): the same entries, payments and
    /// settlements as <see cref="PayAsync"/> for each in turn, oldest bills first, written in bulk (one posting
    /// of all the entries, COPY on PostgreSQL). Fails, recording nothing, with: unknown_unit, and the posting codes.
    /// </summary>
    public async Task<Result<IReadOnlyList<PaymentView>>> PayManyAsync(WriteScope scope, IReadOnlyList<NewPayment> payments)
    {
        if (payments.Count == 0) return Result<IReadOnlyList<PaymentView>>.From([]);
        var c = scope.Community;
        var units = (await scope.QueryAsync<long>("SELECT id FROM units WHERE community_id = @Id", new { c.Id })).ToHashSet();
        if (payments.FirstOrDefault(p => !units.Contains(p.UnitId)) is { } unknown)
            return new Failure(Codes.UnknownUnit, $"Unit {unknown.UnitId} does not exist in this community.");
        var paying = payments.Select(p => p.UnitId).ToHashSet();
        // What is still due on each open bill, lowered as the payments of this batch settle it in turn.
        var due = new Dictionary<long, long>();
        var open = (await scope.QueryAsync<BillRow>($"""
            SELECT {BillColumns} FROM bills WHERE community_id = @Id AND paid_fen < amount_fen ORDER BY unit_id, month, kind, id
            """, new { c.Id })).Where(b => paying.Contains(b.UnitId)).ToList();
        foreach (var b in open) due[b.Id] = b.AmountFen - b.PaidFen;
        var openByUnit = open.ToLookup(b => b.UnitId);

        var drafts = new List<EntryDraft>(payments.Count);
        var plans = new List<(IReadOnlyList<(OpenBill Bill, long Amount)> Parts, long Left)>(payments.Count);
        foreach (var p in payments)
        {
            var (parts, left) = Allocation.OldestFirst(openByUnit[p.UnitId].Select(b => new OpenBill(b.Id, b.Month, b.Kind, due[b.Id])), p.Amount);
            foreach (var (bill, amount) in parts) due[bill.Id] -= amount;
            plans.Add((parts, left));
            var allocated = p.Amount - left;
            var lines = new List<EntryLine> { new(Bank, p.Amount, null) };
            if (allocated > 0) lines.Add(new EntryLine(Receivable, null, allocated, p.UnitId));
            if (left > 0) lines.Add(new EntryLine(Prepaid, null, left, p.UnitId));
            drafts.Add(new EntryDraft(p.PaidOn, $"物业费缴款 {p.Channel}", Funds.Common, lines, Kind: EntryKinds.Payment));
        }
        var posted = await journal.PostAsync(scope, drafts, checkUnits: false);
        if (!posted.Ok) return posted.Failure!;
        var at = Dates.Instant(scope.Now);
        await Bulk.InsertAsync(scope, "INSERT INTO payments (community_id, unit_id, external_ref, channel, amount_fen, paid_on, seq, created_at)",
            payments.Select((p, i) => new object?[] { c.Id, p.UnitId, p.ExternalRef, p.Channel, p.Amount, Dates.Format(p.PaidOn), posted.Value![i].Entry.Seq, at }).ToList());
        var ids = (await scope.QueryAsync<(long Seq, long Id)>("SELECT seq, id FROM payments WHERE community_id = @Id AND seq BETWEEN @From AND @To",
            new { c.Id, From = posted.Value![0].Entry.Seq, To = posted.Value[^1].Entry.Seq })).ToDictionary(r => r.Seq, r => r.Id);
        var settlements = new List<object?[]>();
        var paid = new Dictionary<long, long>();
        var views = new List<PaymentView>(payments.Count);
        for (var i = 0; i < payments.Count; i++)
        {
            var p = payments[i];
            var seq = posted.Value[i].Entry.Seq;
            var id = ids[seq];
            foreach (var (bill, amount) in plans[i].Parts)
            {
                settlements.Add([c.Id, bill.Id, id, seq, amount, Dates.Format(p.PaidOn)]);
                paid[bill.Id] = paid.GetValueOrDefault(bill.Id) + amount;
            }
            views.Add(new PaymentView(id, p.UnitId, p.ExternalRef, p.Channel, p.Amount, Dates.Format(p.PaidOn), seq, p.Amount - plans[i].Left, plans[i].Left));
        }
        await Bulk.InsertAsync(scope, "INSERT INTO settlements (community_id, bill_id, payment_id, seq, amount_fen, settled_on)", settlements);
        await Bulk.AddToPaidAsync(scope, paid.Select(kv => new object?[] { kv.Key, kv.Value }).ToList());
        return Result<IReadOnlyList<PaymentView>>.From(views);
    }

    /// <summary>Public revenue: Dr 1002 / Cr 52xx with payer and reference. Fails with: external_ref_used (409), and the posting codes.</summary>
    public async Task<Result<ReceiptView>> ReceiveAsync(WriteScope scope, string source, long amount, DateOnly receivedOn, string payer, string memo, string externalRef)
    {
        if (await ReferenceUsedAsync(scope, externalRef)) return RefUsed(externalRef);
        var account = ReceiptSources.Accounts[source];
        var posted = await journal.PostAsync(scope, [new EntryDraft(receivedOn, $"公共收益 {payer}: {memo}", Funds.Common,
            [new EntryLine(Bank, amount, null), new EntryLine(account, null, amount)], Kind: EntryKinds.Receipt)]);
        if (!posted.Ok) return posted.Failure!;
        var seq = posted.Value![0].Entry.Seq;
        var id = await scope.QuerySingleAsync<long>("""
            INSERT INTO receipts (community_id, source, amount_fen, received_on, payer, memo, external_ref, seq, created_at)
            VALUES (@Id, @source, @amount, @On, @payer, @memo, @externalRef, @seq, @At) RETURNING id
            """, new { scope.Community.Id, source, amount, On = Dates.Format(receivedOn), payer, memo, externalRef, seq, At = Dates.Instant(scope.Now) });
        return new ReceiptView(id, source, amount, Dates.Format(receivedOn), payer, memo, externalRef, seq);
    }

    /// <summary>
    /// How many of the community's money flows carry a bank reference: owners' payments, public receipts and paid
    /// spending requests share one namespace, because a bank line is matched to the books by its reference
    /// (DESIGN.md 9) and one bank movement is booked once. Parameters <c>@Id</c> (the community) and <c>@externalRef</c>.
    /// Read under the community's write lock (and again by <c>ledger_post_payment</c>, migration 0023), so two flows
    /// cannot both take a reference.
    /// </summary>
    internal const string ReferenceUsesSql = """
        (SELECT COUNT(*) FROM payments WHERE community_id = @Id AND external_ref = @externalRef)
        + (SELECT COUNT(*) FROM receipts WHERE community_id = @Id AND external_ref = @externalRef)
        + (SELECT COUNT(*) FROM spending_requests WHERE community_id = @Id AND bank_ref = @externalRef)
        """;

    /// <summary>Whether a payment, a receipt or a paid spending request of the community already carries the bank reference.</summary>
    internal static async Task<bool> ReferenceUsedAsync(WriteScope scope, string externalRef) =>
        await scope.QuerySingleAsync<long>($"SELECT {ReferenceUsesSql}", new { scope.Community.Id, externalRef }) > 0;

    /// <summary>A reference another payment, receipt or paid spending request of the community already carries: recorded once, by whichever came first.</summary>
    internal static Failure RefUsed(string externalRef) =>
        Failure.Conflict(Codes.ExternalRefUsed, $"A payment, receipt or spending payment of this community already carries the bank reference '{externalRef}'.");

    public async Task<IReadOnlyList<BillView>> BillsAsync(long communityId, Month? month, IReadOnlyCollection<long>? unitIds, string? status, long afterId, int limit)
    {
        await using var connection = await db.OpenAsync();
        var where = new List<string> { "community_id = @communityId", "id > @afterId" };
        if (month is not null) where.Add("month = @Month");
        if (unitIds is not null) where.Add(db.Dialect.InList("unit_id", "@unitIds"));
        if (status == "open") where.Add("paid_fen < amount_fen");
        if (status == "paid") where.Add("paid_fen = amount_fen");
        return (await connection.QueryAsync<BillRow>($"SELECT {BillColumns} FROM bills WHERE {string.Join(" AND ", where)} ORDER BY id LIMIT {limit}",
            new { communityId, afterId, Month = month?.ToString(), unitIds = unitIds?.ToArray() })).Select(b => b.ToView()).ToList();
    }

    /// <summary>A unit's bills issued and payments made between the dates, and its prepayment and balance due at the end.</summary>
    public async Task<UnitStatement> StatementAsync(long communityId, long unitId, DateOnly from, DateOnly to)
    {
        await using var connection = await db.OpenAsync();
        var range = new { communityId, unitId, From = Dates.Format(from), To = Dates.Format(to) };
        var bills = (await connection.QueryAsync<BillRow>($"""
            SELECT {BillColumns} FROM bills WHERE community_id = @communityId AND unit_id = @unitId AND issued_on BETWEEN @From AND @To ORDER BY month, kind, id
            """, range)).Select(b => b.ToView()).ToList();
        var payments = (await connection.QueryAsync<PaymentRow>("""
            SELECT p.id, p.unit_id, p.external_ref, p.channel, p.amount_fen, p.paid_on, p.seq,
                   CAST(COALESCE((SELECT SUM(s.amount_fen) FROM settlements s WHERE s.community_id = p.community_id AND s.payment_id = p.id), 0) AS BIGINT) AS allocated
            FROM payments p WHERE p.community_id = @communityId AND p.unit_id = @unitId AND p.paid_on BETWEEN @From AND @To ORDER BY p.paid_on, p.id
            """, range)).Select(p => new PaymentView(p.Id, p.UnitId, p.ExternalRef, p.Channel, p.AmountFen, p.PaidOn, p.Seq, p.Allocated, p.AmountFen - p.Allocated)).ToList();
        // Balances at the end of the range, from the journal's lines for this unit.
        var sums = (await connection.QueryAsync<(string Account, long Net)>("""
            SELECT l.account_code, CAST(SUM(CASE WHEN l.side = 'D' THEN l.amount_fen ELSE -l.amount_fen END) AS BIGINT)
            FROM entry_lines l JOIN entries e ON e.community_id = l.community_id AND e.seq = l.seq
            WHERE l.community_id = @communityId AND l.unit_id = @unitId AND e.entry_date <= @To
            GROUP BY l.account_code
            """, range)).ToDictionary(r => r.Account, r => r.Net);
        return new UnitStatement(unitId, bills, payments, -sums.GetValueOrDefault(Prepaid), sums.GetValueOrDefault(Receivable));
    }

    /// <summary>Open bills by unit and age bucket as of <paramref name="asOf"/>, and each billed month's collection rate.</summary>
    public Task<Arrears> ArrearsAsync(long communityId, DateOnly asOf) => db.ReadAsync(read => ArrearsAtAsync(read, communityId, asOf));

    // ------------------------------------------------------------------ figures for a period, as the statement composes them

    /// <summary>
    /// Arrears as they stood at the end of <paramref name="asOf"/>: bills issued by then less what settlements dated by then
    /// paid, by unit and age bucket; and each fee month's billed and collected (by then), all months or those from
    /// <paramref name="from"/> to <paramref name="to"/>. The one arrears computation: the arrears page reads it as of today
    /// (entries are never dated in the future, so that is the bills' state now), a statement as of its last day.
    /// </summary>
    public static async Task<Arrears> ArrearsAtAsync(ReadScope read, long communityId, DateOnly asOf, Month? from = null, Month? to = null)
    {
        var day = Dates.Format(asOf);
        // Only bills open now, or settled after the day, can have been open then: read just those. A bill's paid
        // amount is the sum of its settlements (Integrity checks it), so what it owed on the day is what it owes
        // now plus what was settled after the day: the work follows the open bills and the settlements since,
        // not every settlement each open bill ever had. Each open bill's later settlements are read through the
        // (community, bill, settled_on) index: a month close reads this straight after its billing run wrote that
        // day's settlements, which no statistics know of yet, and a join to them estimated at one row was a nested
        // loop over every pair (1,051 open bills x 1,050 settlements: 44 ms, against 6 ms now).
        var open = (await read.QueryAsync<(long UnitId, string Building, string Number, string IssuedOn, long Due)>("""
            SELECT b.unit_id, u.building, u.number, b.issued_on,
                   b.amount_fen - b.paid_fen + COALESCE((SELECT SUM(s.amount_fen) FROM settlements s
                       WHERE s.community_id = b.community_id AND s.bill_id = b.id AND s.settled_on > @day), 0) AS due
            FROM bills b JOIN units u ON u.community_id = b.community_id AND u.id = b.unit_id
            WHERE b.community_id = @communityId AND b.paid_fen < b.amount_fen AND b.issued_on <= @day
            UNION ALL
            SELECT b.unit_id, u.building, u.number, b.issued_on, l.amount AS due
            FROM (SELECT bill_id, SUM(amount_fen) AS amount FROM settlements
                  WHERE community_id = @communityId AND settled_on > @day GROUP BY bill_id) l
            JOIN bills b ON b.id = l.bill_id JOIN units u ON u.community_id = b.community_id AND u.id = b.unit_id
            WHERE b.paid_fen >= b.amount_fen AND b.issued_on <= @day
            ORDER BY building, number, issued_on
            """, new { communityId, day })).Where(b => b.Due > 0).ToList();
        var totals = new long[ArrearsBuckets.Names.Length];
        var units = open.GroupBy(b => (b.UnitId, b.Building, b.Number)).Select(g =>
        {
            var buckets = new long[ArrearsBuckets.Names.Length];
            foreach (var b in g)
            {
                var days = asOf.DayNumber - DateOnly.ParseExact(b.IssuedOn, "yyyy-MM-dd").DayNumber;
                var i = ArrearsBuckets.Of(Math.Max(days, 0));
                buckets[i] += b.Due;
                totals[i] += b.Due;
            }
            return new ArrearsUnit(g.Key.UnitId, g.Key.Building, g.Key.Number, g.Sum(b => b.Due), buckets);
        }).ToList();
        // Each bill's settlements by the day through the (community, bill, settled_on) index: the work follows the
        // months asked for, not the community's whole history of settlements.
        var months = (await read.QueryAsync<(string Month, long Billed, long Collected)>($"""
            SELECT month, CAST(SUM(amount_fen) AS BIGINT), CAST(SUM(settled) AS BIGINT) FROM (
                SELECT b.month, b.amount_fen,
                       COALESCE((SELECT SUM(s.amount_fen) FROM settlements s
                                 WHERE s.community_id = b.community_id AND s.bill_id = b.id AND s.settled_on <= @day), 0) AS settled
                FROM bills b
                WHERE b.community_id = @communityId AND b.kind = 'fee' {(from is null ? "" : "AND b.month >= @From")} {(to is null ? "" : "AND b.month <= @To")}
            ) x
            GROUP BY month ORDER BY month
            """, new { communityId, day, From = from?.ToString(), To = to?.ToString() }))
            .Select(m => new MonthCollection(m.Month, m.Billed, m.Collected, m.Billed == 0 ? 0 : m.Collected * 10_000 / m.Billed)).ToList();
        return new Arrears(day, units.Count, units.Sum(u => u.Due), totals, units, months);
    }

    /// <summary>Owners' fee payments, and public revenue by income account (ordered by code), received between the days.</summary>
    public static async Task<(long Fees, IReadOnlyList<(string Account, long Amount)> PublicRevenue)> ReceivedAsync(ReadScope read, long communityId, DateOnly from, DateOnly to)
    {
        var range = new { communityId, From = Dates.Format(from), To = Dates.Format(to) };
        var fees = await read.QuerySingleAsync<long>(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM payments WHERE community_id = @communityId AND paid_on BETWEEN @From AND @To", range);
        var revenue = (await read.QueryAsync<(string Source, long Amount)>(
                "SELECT source, CAST(SUM(amount_fen) AS BIGINT) FROM receipts WHERE community_id = @communityId AND received_on BETWEEN @From AND @To GROUP BY source", range))
            .Select(r => (ReceiptSources.Accounts[r.Source], r.Amount)).OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
        return (fees, revenue);
    }

    /// <summary>The bank references owners' payments and public receipts carried, by the entry that posted each.</summary>
    public static Task<IEnumerable<(long Seq, string Ref)>> BankReferencesAsync(ReadScope read, long communityId) => read.QueryAsync<(long Seq, string Ref)>("""
        SELECT seq, external_ref FROM payments WHERE community_id = @communityId
        UNION ALL SELECT seq, external_ref FROM receipts WHERE community_id = @communityId
        """, new { communityId });
}

/// <summary>
/// A unit's state as a payment plans against it: whether it exists, its open bills in allocation order and what
/// is paid on each; whether another payment already carries the reference; and, read without a lock for <c>ledger_post_payment</c>, the payment id taken in advance.
/// </summary>
internal sealed record PaymentRead(bool UnitExists, bool RefUsed, IReadOnlyList<OpenBill> Open, IReadOnlyList<long> Paid, long? PaymentId);

/// <summary>A deferred payment's rows besides its entry, for <c>ledger_post_payment</c>: the payment, the open bills
/// it was planned against (ids and paid amounts, checked under the lock) and the settlements of the plan.</summary>
internal sealed record PendingPayment(long Id, long UnitId, string ExternalRef, string Channel, long Amount, string PaidOn,
    long[] OpenIds, long[] OpenPaid, long[] SettleIds, long[] SettleAmounts);
