using System.Security.Cryptography;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record NewSpendingRequest(string Payee, long Amount, string Account, string? BudgetLine, string Description, IReadOnlyList<string> Attachments);

public sealed record Decision(long UserId, string Role, string Choice, string Comment, string DecidedAt);

public sealed record SpendingRequestView(long Id, string Status, long Amount, string Payee, string Account, string BudgetLine, int FiscalYear,
    string Description, string Kind, string Approval, bool NeedsVote, string? VoteReason, long CreatedBy, string CreatedAt, string ExpiresAt,
    long? PaidSeq, string? PaidOn, string? BankRef, string? Voucher, IReadOnlyList<string> Attachments, IReadOnlyList<Decision> Decisions);

public sealed record AttachmentView(string Sha256, long Size, string ContentType);

public static class SpendingStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";
    public const string Paid = "paid";
}

/// <summary>
/// Spending under supervision, two-phase: filing reserves the amount on its budget line; approval
/// follows the trust terms (one supervisor up to the first threshold, a supervisor and a committee
/// member up to the second, and a passed owners' vote above it, beyond the line or with no budget
/// in force); payment posts the expense against the bank, once. Rejection, cancellation and expiry
/// release the reservation. Every decision goes to the audit trail. Expiry follows the clock: reads
/// derive it (<see cref="Deadlines.SpendingStatus"/>), the job and every write here persist it first.
/// </summary>
public sealed class SpendingBook(LedgerDatabase db, Journal journal)
{
    public const long MaxAttachmentBytes = 10 * 1024 * 1024;
    public const string RemunerationPayable = AccountCodes.RemunerationPayable;
    public const string RemunerationExpense = AccountCodes.RemunerationExpense;

    private sealed class Row
    {
        public long Id { get; init; }
        public string Status { get; init; } = "";
        public long AmountFen { get; init; }
        public string Payee { get; init; } = "";
        public string AccountCode { get; init; } = "";
        public string BudgetLine { get; init; } = "";
        public long FiscalYear { get; init; }
        public string Description { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Approval { get; init; } = "";
        public bool NeedsVote { get; init; }
        public string? VoteReason { get; init; }
        public long CreatedBy { get; init; }
        public string CreatedAt { get; init; } = "";
        public string ExpiresAt { get; init; } = "";
        public long? PaidSeq { get; init; }
        public string? PaidOn { get; init; }
        public string? BankRef { get; init; }
        public string? Voucher { get; init; }
    }

    private const string Columns = "id, status, amount_fen, payee, account_code, budget_line, fiscal_year, description, kind, approval, needs_vote, vote_reason, " +
        "created_by, created_at, expires_at, paid_seq, paid_on, bank_ref, voucher";

    /// <summary>Stores a file content-addressed by its SHA-256 (the same bytes twice are stored once). Fails with: unsupported_media_type (415), payload_too_large (413).</summary>
    public async Task<Result<AttachmentView>> StoreAttachmentAsync(WriteScope scope, byte[] content)
    {
        if (content.Length > MaxAttachmentBytes) return new Failure(Codes.PayloadTooLarge, "Attachments are at most 10 MB.", 413);
        var type = Uploads.ContentTypeOf(content);
        if (type is null || content.Length == 0) return new Failure("unsupported_media_type", "Attachments are PDF, PNG or JPEG files.", 415);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        await scope.ExecuteAsync("""
            INSERT INTO attachments (community_id, sha256, content_type, size, content, created_at, created_by)
            VALUES (@Id, @sha, @type, @Size, @content, @At, @UserId) ON CONFLICT (community_id, sha256) DO NOTHING
            """, new { scope.Community.Id, sha, type, Size = (long)content.Length, content, At = Dates.Instant(scope.Now), scope.UserId });
        await scope.AuditAsync("attachment.store", $"attachment:{sha}", $"{type}, {content.Length} bytes");
        return new AttachmentView(sha, content.Length, type);
    }

    /// <summary>
    /// An attachment's bytes. The scan of a paper ballot's signed form shows how a unit voted, so it is found only
    /// with <paramref name="ballotScans"/> (the caller holds one of <see cref="Roles.PaperBallotReaders"/>); for
    /// anyone else it does not exist.
    /// </summary>
    public Task<(byte[] Content, string ContentType)?> AttachmentAsync(long communityId, string sha256, bool ballotScans = false) => db.ReadAsync(read =>
        read.QueryOptionalAsync<(byte[] Content, string ContentType)>("""
            SELECT a.content, a.content_type FROM attachments a WHERE a.community_id = @communityId AND a.sha256 = @sha256
              AND (@ballotScans OR NOT EXISTS (SELECT 1 FROM paper_ballots p WHERE p.community_id = a.community_id AND p.scan_sha256 = a.sha256))
            """, new { communityId, sha256, ballotScans }));

    /// <summary>
    /// Files a request and reserves its amount on the budget line. Fails with: trust_terms_required,
    /// unknown_account, account_kind_mismatch, unknown_attachment, exceeds_payable.
    /// </summary>
    public async Task<Result<SpendingRequestView>> FileAsync(WriteScope scope, NewSpendingRequest request)
    {
        var c = scope.Community;
        await ExpireDueAsync(scope); // so expired requests no longer reserve their lines or the payable
        var terms = (await RegisterBook.TrustTermsAsync(scope, c.Id))?.Terms;
        if (terms is null) return new Failure(Codes.TrustTermsRequired, "Set the trust terms first: they decide who approves spending.");
        var chart = await scope.ChartAsync();
        if (!chart.TryGetValue(request.Account, out var account)) return new Failure(Codes.UnknownAccount, $"Account '{request.Account}' does not exist.");
        var remuneration = request.Account == RemunerationPayable;
        if (!remuneration && (account.Kind != AccountKinds.Expense || account.Fund != Funds.Common))
            return new Failure(Codes.AccountKindMismatch, $"Account {request.Account} is not a common-fund expense account (or 2211 to pay accrued remuneration).");
        var line = remuneration ? RemunerationExpense : request.BudgetLine ?? request.Account;
        if (!chart.TryGetValue(line, out var lineAccount) || lineAccount.Kind != AccountKinds.Expense)
            return new Failure(Codes.AccountKindMismatch, $"Budget line {line} is not an expense account.");
        foreach (var sha in request.Attachments.Distinct())
        {
            var found = await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM attachments WHERE community_id = @Id AND sha256 = @sha", new { c.Id, sha });
            if (found == 0) return new Failure(Codes.UnknownAttachment, $"Attachment {sha} was not uploaded to this community.");
        }

        var fiscalYear = Period.FiscalYearOf(Month.Of(scope.Today), c.FiscalYearStartMonth);
        string? voteReason = null;
        (long? BudgetId, long? LineBudget, long? Left) atFiling = (null, null, null);
        if (remuneration)
        {
            // Accrued remuneration is already an expense of its month: paying it reserves no budget, but
            // never more than is owed.
            var payable = -await scope.QuerySingleAsync<long>(
                "SELECT CAST(COALESCE(SUM(debit_fen - credit_fen), 0) AS BIGINT) FROM account_balances WHERE community_id = @Id AND account_code = @RemunerationPayable",
                new { c.Id, RemunerationPayable });
            var requested = await scope.QuerySingleAsync<long>("""
                SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM spending_requests
                WHERE community_id = @Id AND kind = 'remuneration' AND status IN ('pending', 'approved')
                """, new { c.Id });
            if (request.Amount > payable - requested)
                return new Failure(Codes.ExceedsPayable, $"Remuneration payable is {payable} fen, of which {requested} is already requested.");
        }
        else
        {
            var inForce = await BudgetBook.InForceIdAsync(scope, fiscalYear);
            if (inForce is null) voteReason = "no_budget";
            else
            {
                var budget = (await BudgetBook.GetAsync(scope, c.Id, inForce.Value))!;
                var left = await LeftOnLineAsync(scope, budget, line);
                atFiling = (budget.Id, budget.Lines.FirstOrDefault(l => l.Account == line)?.Amount, left);
                if (left is null) voteReason = "not_in_budget";
                else if (request.Amount > left) voteReason = "beyond_budget_line";
            }
        }
        if (request.Amount > terms.Approval.CommitteeUpTo) voteReason ??= "above_committee_threshold";
        var approval = request.Amount <= terms.Approval.SupervisorUpTo ? "supervisor" : "committee";

        var id = await scope.QuerySingleAsync<long>($"""
            INSERT INTO spending_requests (community_id, payee, amount_fen, account_code, budget_line, fiscal_year, description, kind, approval,
                needs_vote, vote_reason, status, created_by, created_at, expires_at)
            VALUES (@Id, @Payee, @Amount, @Account, @line, @fiscalYear, @Description, @Kind, @approval, @NeedsVote, @voteReason, 'pending', @UserId, @At, @Expires)
            RETURNING id
            """, new
        {
            c.Id, request.Payee, request.Amount, request.Account, line, fiscalYear, request.Description, Kind = remuneration ? "remuneration" : "expense",
            approval, NeedsVote = voteReason is not null, voteReason, scope.UserId, At = Dates.Instant(scope.Now),
            Expires = Dates.Instant(scope.Now.AddDays(terms.Approval.ExpiryDays)),
        });
        await scope.ExecuteAsync("INSERT INTO spending_attachments (community_id, request_id, sha256) VALUES (@Id, @RequestId, @Sha)",
            request.Attachments.Distinct().Select(sha => new { c.Id, RequestId = id, Sha = sha }));
        await SpendingStoryBook.RecordFilingAsync(scope, id, atFiling.BudgetId, atFiling.LineBudget, atFiling.Left);
        await scope.AuditAsync("spending.file", $"spending-request:{id}", $"{request.Payee}, {request.Amount} fen on {line}{(voteReason is null ? "" : $", vote required: {voteReason}")}");
        return (await GetAsync(scope, c.Id, id, scope.Now))!;
    }

    /// <summary>What is left on a line of the budget in force: budget − reserved by open requests − spent. Null when the budget has no such line.</summary>
    private async Task<long?> LeftOnLineAsync(WriteScope scope, BudgetView budget, string line)
    {
        if (budget.Lines.All(l => l.Account != line)) return null;
        var execution = await BudgetBook.ExecutionAsync(scope, scope.Community, budget, scope.Now);
        return execution.Single(l => l.Account == line).Left;
    }

    /// <summary>
    /// A supervisor's or committee member's decision. Fails with: not_found, request_not_pending (409),
    /// self_approval (403), trustee_cannot_approve (403), already_decided (409).
    /// </summary>
    public async Task<Result<SpendingRequestView>> DecideAsync(WriteScope scope, long id, long userId, IReadOnlyList<string> roles, string choice, string comment)
    {
        var c = scope.Community.Id;
        await ExpireDueAsync(scope);
        var request = await GetAsync(scope, c, id, scope.Now);
        if (request is null) return Failure.NotFound($"Spending request {id}");
        if (request.CreatedBy == userId) return new Failure(Codes.SelfApproval, "Nobody decides on their own request.", 403);
        // The trustee spends; it never approves its own spending, whoever of its staff filed it.
        if (roles.Contains(Roles.Trustee) || roles.Contains(Roles.TrusteeManager))
            return new Failure(Codes.TrusteeCannotApprove, "Whoever holds a trustee role in this community does not decide on spending requests.", 403);
        if (request.Decisions.Any(d => d.UserId == userId)) return Failure.Conflict(Codes.AlreadyDecided, "You have already decided on this request.");
        if (request.Status != SpendingStatus.Pending) return Failure.Conflict(Codes.RequestNotPending, $"Request {id} is {request.Status}.");
        // A person holding both roles fills the one still missing, supervisor first.
        var hasSupervisor = request.Decisions.Any(d => d.Role == Roles.Supervisor && d.Choice == "approve");
        var role = roles.Contains(Roles.Supervisor) && (!hasSupervisor || !roles.Contains(Roles.Committee)) ? Roles.Supervisor : Roles.Committee;
        await scope.ExecuteAsync("""
            INSERT INTO spending_decisions (community_id, request_id, user_id, role, decision, comment, decided_at) VALUES (@c, @id, @userId, @role, @choice, @comment, @At)
            """, new { c, id, userId, role, choice, comment, At = Dates.Instant(scope.Now) });
        var decisions = request.Decisions.Append(new Decision(userId, role, choice, comment, Dates.Instant(scope.Now))).ToList();
        var approvedBy = decisions.Where(d => d.Choice == "approve").Select(d => d.Role).ToHashSet();
        var status = choice == "reject" ? SpendingStatus.Rejected
            : approvedBy.Contains(Roles.Supervisor) && (request.Approval == "supervisor" || approvedBy.Contains(Roles.Committee)) ? SpendingStatus.Approved
            : SpendingStatus.Pending;
        if (status != SpendingStatus.Pending)
            await scope.ExecuteAsync("UPDATE spending_requests SET status = @status, closed_at = @At WHERE community_id = @c AND id = @id",
                new { status, At = Dates.Instant(scope.Now), c, id });
        await scope.AuditAsync($"spending.{choice}", $"spending-request:{id}", $"as {role}: {comment}");
        return (await GetAsync(scope, c, id, scope.Now))!;
    }

    /// <summary>
    /// Pays an approved request: Dr expense (or 2211 for remuneration) / Cr 1002, naming the request
    /// and the voucher. Fails with: not_found, already_paid (409), not_approved, external_ref_used (409), paid_before_approval, unknown_attachment,
    /// insufficient_funds, and the posting codes.
    /// </summary>
    public async Task<Result<SpendingRequestView>> PayAsync(WriteScope scope, long id, DateOnly paidOn, string bankRef, string? voucher)
    {
        var c = scope.Community.Id;
        await ExpireDueAsync(scope);
        var request = await GetAsync(scope, c, id, scope.Now);
        if (request is null) return Failure.NotFound($"Spending request {id}");
        if (request.Status == SpendingStatus.Paid) return Failure.Conflict(Codes.AlreadyPaid, $"Request {id} was paid by entry {request.PaidSeq}.");
        if (request.Status != SpendingStatus.Approved) return new Failure(Codes.NotApproved, $"Request {id} is {request.Status}, not approved.");
        // One bank movement is booked once: a reference another request was paid under, or a payment or receipt
        // carries, is not this payment's (this request, approved and unpaid, carries none yet).
        if (await FeeBook.ReferenceUsedAsync(scope, bankRef)) return FeeBook.RefUsed(bankRef);
        var votedAt = request.NeedsVote ? await MotionBook.PassedAtAsync(scope, MotionKinds.Spending, id) : null;
        if (request.NeedsVote && votedAt is null)
            return new Failure(Codes.NotApproved, $"Request {id} needs a passed owners' spending motion ({request.VoteReason}).");
        // Cash leaves only against an approval that exists (guarantee 6): the books may not date a payment
        // before the day, in the community's time zone, its last approval (decision or owners' vote) was given.
        var approvedOn = request.Decisions.Where(d => d.Choice == "approve").Select(d => d.DecidedAt).Append(votedAt)
            .OfType<string>().Select(at => Dates.DayOf(at, scope.Community.Zone)).DefaultIfEmpty(DateOnly.MinValue).Max();
        if (paidOn < approvedOn)
            return new Failure(Codes.PaidBeforeApproval, $"Request {id} was approved on {Dates.Format(approvedOn)}; a payment cannot be dated {Dates.Format(paidOn)}, before it.");
        if (voucher is not null && await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM attachments WHERE community_id = @c AND sha256 = @voucher", new { c, voucher }) == 0)
            return new Failure(Codes.UnknownAttachment, $"Voucher {voucher} was not uploaded to this community.");
        var memo = $"支付 {request.Payee}：{request.Description}（申请 #{id}{(voucher is null ? "" : $"，凭证 {voucher[..12]}")}，银行流水 {bankRef}）";
        var posted = await journal.PostAsync(scope, [new EntryDraft(paidOn, memo, Funds.Common,
            [new EntryLine(request.Account, request.Amount, null), new EntryLine(AccountCodes.Bank, null, request.Amount)], Kind: EntryKinds.Spending)], checkUnits: false);
        if (!posted.Ok) return posted.Failure!;
        var seq = posted.Value![0].Entry.Seq;
        await scope.ExecuteAsync("""
            UPDATE spending_requests SET status = 'paid', paid_seq = @seq, paid_on = @On, bank_ref = @bankRef, voucher = @voucher, closed_at = @At
            WHERE community_id = @c AND id = @id AND status = 'approved'
            """, new { seq, On = Dates.Format(paidOn), bankRef, voucher, At = Dates.Instant(scope.Now), c, id });
        await scope.AuditAsync("spending.pay", $"spending-request:{id}", $"entry {seq}, bank ref {bankRef}");
        return (await GetAsync(scope, c, id, scope.Now))!;
    }

    /// <summary>Withdraws a request that is not paid. Fails with: not_found, request_not_pending (409).</summary>
    public async Task<Result<SpendingRequestView>> CancelAsync(WriteScope scope, long id)
    {
        var c = scope.Community.Id;
        await ExpireDueAsync(scope); // an expired request is no longer cancelled

        var changed = await scope.ExecuteAsync("""
            UPDATE spending_requests SET status = 'cancelled', closed_at = @At WHERE community_id = @c AND id = @id AND status IN ('pending', 'approved')
            """, new { At = Dates.Instant(scope.Now), c, id });
        var request = await GetAsync(scope, c, id, scope.Now);
        if (request is null) return Failure.NotFound($"Spending request {id}");
        if (changed == 0) return Failure.Conflict(Codes.RequestNotPending, $"Request {id} is {request.Status}.");
        await scope.AuditAsync("spending.cancel", $"spending-request:{id}", "");
        return request;
    }

    /// <summary>Pending requests past their expiry become expired, releasing their reservation. Idempotent.</summary>
    public static async Task<int> ExpireDueAsync(WriteScope scope)
    {
        var ids = (await scope.QueryAsync<long>("SELECT id FROM spending_requests WHERE community_id = @Id AND status = 'pending' AND expires_at <= @Now",
            new { scope.Community.Id, Now = Dates.Instant(scope.Now) })).ToList();
        foreach (var id in ids)
        {
            await scope.ExecuteAsync("UPDATE spending_requests SET status = 'expired', closed_at = @Now WHERE community_id = @Id AND id = @RequestId",
                new { Now = Dates.Instant(scope.Now), scope.Community.Id, RequestId = id });
            await scope.AuditAsync("spending.expire", $"spending-request:{id}", "expired unapproved");
        }
        return ids.Count;
    }

    /// <summary>A request as of <paramref name="now"/>: pending past its expiry reads expired, whether or not the job has run.</summary>
    public async Task<SpendingRequestView?> GetAsync(ReadScope read, long communityId, long id, DateTimeOffset now)
    {
        var row = await read.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM spending_requests WHERE community_id = @communityId AND id = @id",
            new { communityId, id });
        if (row is null) return null;
        var attachments = (await read.QueryAsync<string>("SELECT sha256 FROM spending_attachments WHERE community_id = @communityId AND request_id = @id ORDER BY sha256",
            new { communityId, id })).ToList();
        var decisions = (await read.QueryAsync<(long UserId, string Role, string Decision, string Comment, string DecidedAt)>(
            "SELECT user_id, role, decision, comment, decided_at FROM spending_decisions WHERE community_id = @communityId AND request_id = @id ORDER BY id",
            new { communityId, id })).Select(d => new Decision(d.UserId, d.Role, d.Decision, d.Comment, d.DecidedAt)).ToList();
        return new SpendingRequestView(row.Id, Deadlines.SpendingStatus(row.Status, row.ExpiresAt, now), row.AmountFen, row.Payee, row.AccountCode, row.BudgetLine, (int)row.FiscalYear, row.Description,
            row.Kind, row.Approval, row.NeedsVote, row.VoteReason, row.CreatedBy, row.CreatedAt, row.ExpiresAt, row.PaidSeq, row.PaidOn, row.BankRef, row.Voucher,
            attachments, decisions);
    }

    /// <summary>Requests as of <paramref name="now"/>, optionally of one status, derived as <see cref="GetAsync"/> derives it.</summary>
    public Task<SpendingRequestView?> GetAsync(long communityId, long id, DateTimeOffset now) => db.ReadAsync(read => GetAsync(read, communityId, id, now));

    public Task<IReadOnlyList<SpendingRequestView>> ListAsync(long communityId, string? status, DateTimeOffset now) => db.ReadAsync<IReadOnlyList<SpendingRequestView>>(async read =>
    {
        var filter = status switch
        {
            null => "",
            SpendingStatus.Pending => "AND status = 'pending' AND expires_at > @at",
            SpendingStatus.Expired => "AND (status = 'expired' OR (status = 'pending' AND expires_at <= @at))",
            _ => "AND status = @status",
        };
        var ids = await read.QueryAsync<long>(
            $"SELECT id FROM spending_requests WHERE community_id = @communityId {filter} ORDER BY id", new { communityId, status, at = Dates.Instant(now) });
        var list = new List<SpendingRequestView>();
        foreach (var id in ids) list.Add((await GetAsync(read, communityId, id, now))!);
        return list;
    });

    /// <summary>
    /// Accrues the trustee's remuneration for a month (Dr 6201 / Cr 2211, dated the month's last day):
    /// a percent of the fees collected in that month (payments received), or the fixed monthly sum.
    /// Once per month, however often it runs. Fails with: trust_terms_required, month_not_open, month_closed.
    /// </summary>
    public async Task<Result<(long Amount, long Basis, long? Seq, bool Created)>> AccrueRemunerationAsync(WriteScope scope, Month month)
    {
        var c = scope.Community;
        var existing = await scope.QueryOptionalAsync<(long Amount, long Basis, long? Seq)>(
            "SELECT amount_fen, basis_fen, seq FROM remuneration_accruals WHERE community_id = @Id AND month = @M", new { c.Id, M = month.ToString() });
        if (existing is { } e) return (e.Amount, e.Basis, e.Seq, false);
        var terms = (await RegisterBook.TrustTermsAsync(scope, c.Id))?.Terms;
        if (terms is null) return new Failure(Codes.TrustTermsRequired, "Set the trust terms first: they fix the remuneration.");
        if (month >= Month.Of(scope.Today)) return new Failure(Codes.MonthNotOpen, $"{month} has not ended yet.");
        if (month < c.BooksStartMonth)
            return new Failure(Codes.MonthNotOpen, $"The books of this community open at {c.BooksStartMonth}; {month} does not exist.");
        var basis = await scope.QuerySingleAsync<long>("""
            SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM payments WHERE community_id = @Id AND paid_on BETWEEN @From AND @To
            """, new { c.Id, From = Dates.Format(month.FirstDay), To = Dates.Format(month.LastDay) });
        var r = terms.Remuneration;
        var amount = r.Kind == "fixed" ? r.Amount ?? 0 : (basis * (r.PercentBasisPoints ?? 0) + 5_000) / 10_000;
        long? seq = null;
        if (amount > 0)
        {
            var posted = await journal.PostAsync(scope, [new EntryDraft(month.LastDay, $"受托人酬金 {month}", Funds.Common,
                [new EntryLine(RemunerationExpense, amount, null), new EntryLine(RemunerationPayable, null, amount)], Kind: EntryKinds.Remuneration)], checkUnits: false);
            if (!posted.Ok) return posted.Failure!;
            seq = posted.Value![0].Entry.Seq;
        }
        await scope.ExecuteAsync("INSERT INTO remuneration_accruals (community_id, month, amount_fen, basis_fen, seq, created_at) VALUES (@Id, @M, @amount, @basis, @seq, @At)",
            new { c.Id, M = month.ToString(), amount, basis, seq, At = Dates.Instant(scope.Now) });
        await scope.AuditAsync("remuneration.accrue", $"month:{month}", $"{amount} fen on a basis of {basis} fen");
        return (amount, basis, seq, true);
    }

    // ------------------------------------------------------------------ figures for a period, as the statement composes them

    /// <summary>Every request paid between the days, in payment order, named with <paramref name="accountName"/>.</summary>
    public static async Task<IReadOnlyList<PaymentItem>> PaidAsync(ReadScope read, long communityId, DateOnly from, DateOnly to, Func<string, string> accountName) =>
        (await read.QueryAsync<(string PaidOn, string Payee, long Amount, string Account, long Id, string? Voucher, long Seq)>("""
            SELECT paid_on, payee, amount_fen, account_code, id, voucher, paid_seq FROM spending_requests
            WHERE community_id = @communityId AND status = 'paid' AND paid_on BETWEEN @From AND @To ORDER BY paid_on, paid_seq
            """, new { communityId, From = Dates.Format(from), To = Dates.Format(to) }))
        .Select(p => new PaymentItem(p.PaidOn, p.Payee, p.Amount, p.Account, accountName(p.Account), p.Id, p.Voucher, p.Seq)).ToList();

    /// <summary>
    /// What open requests reserve of each budget line of the fiscal year: approved ones, and pending ones
    /// not yet past their expiry at <paramref name="now"/> (whether or not the job has marked them expired).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> ReservedAsync(ReadScope read, long communityId, int fiscalYear, DateTimeOffset now) =>
        (await read.QueryAsync<(string Line, long Amount)>("""
            SELECT budget_line, CAST(SUM(amount_fen) AS BIGINT) FROM spending_requests
            WHERE community_id = @communityId AND fiscal_year = @fiscalYear AND kind = 'expense'
              AND (status = 'approved' OR (status = 'pending' AND expires_at > @at)) GROUP BY budget_line
            """, new { communityId, fiscalYear, at = Dates.Instant(now) })).ToDictionary(r => r.Line, r => r.Amount);

    /// <summary>The bank references paid requests carried, by the entry that paid each.</summary>
    public static Task<IEnumerable<(long Seq, string Ref)>> BankReferencesAsync(ReadScope read, long communityId) => read.QueryAsync<(long Seq, string Ref)>(
        "SELECT paid_seq, bank_ref FROM spending_requests WHERE community_id = @communityId AND paid_seq IS NOT NULL AND bank_ref IS NOT NULL", new { communityId });
}
