using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record StoryDecision(string Role, string Decision, string Comment, string DecidedAt);

public sealed record StoryMotion(long Id, string Title, string Status, bool? Passed);

public sealed record StoryPayment(string PaidOn, string? BankRef, string? Voucher, long Seq, string EntryHash, string ChainHash);

/// <summary>
/// A spending request's whole process as the public sees it (DESIGN.md section 11): what was asked
/// and why, the budget line with what was left on it when the request was filed, each decision by
/// role, the owners' vote if one was needed, and the payment with its journal entry. No one's name.
/// </summary>
public sealed record SpendingStory(long Id, string Status, string Payee, long Amount, string Account, string AccountName, string Description,
    string FiledAt, string Approval, bool NeedsVote, string? VoteReason, IReadOnlyList<string> Attachments,
    string BudgetLine, string BudgetLineName, int FiscalYear, bool FilingRecorded, long? BudgetId, long? LineBudget, long? LeftAtFiling,
    IReadOnlyList<StoryDecision> Decisions, IReadOnlyList<StoryMotion> Motions, StoryPayment? Payment);

/// <summary>
/// Answers for <c>spending_filings</c> (what was left on the line at filing, written with the request)
/// and composes the public story from the spending book's view and the journal.
/// </summary>
public sealed class SpendingStoryBook(LedgerDatabase db, SpendingBook spending)
{
    private sealed class Filing
    {
        public long? BudgetId { get; init; }
        public long? LineBudgetFen { get; init; }
        public long? LineLeftFen { get; init; }
    }

    /// <summary>Written in the filing transaction: the budget in force, the line's annual amount and what was left on it before this request.</summary>
    public static Task RecordFilingAsync(WriteScope scope, long requestId, long? budgetId, long? lineBudget, long? left) =>
        scope.ExecuteAsync("""
            INSERT INTO spending_filings (community_id, request_id, budget_id, line_budget_fen, line_left_fen) VALUES (@Id, @requestId, @budgetId, @lineBudget, @left)
            """, new { scope.Community.Id, requestId, budgetId, lineBudget, left });

    /// <summary>Whether a request's story is public: it reached a decision (someone decided, or it was approved, rejected or paid).</summary>
    public static bool IsPublic(SpendingRequestView r) =>
        r.Decisions.Count > 0 || r.Status is SpendingStatus.Approved or SpendingStatus.Rejected or SpendingStatus.Paid;

    /// <summary>
    /// <see cref="IsPublic"/> read from the rows, for whoever may see public requests only (owners, the public): false alike
    /// for a request that does not exist and one that has not reached a decision. (A pending request past its expiry reads
    /// expired, public neither way, so the stored status answers as the derived one would.)
    /// </summary>
    public static async Task<bool> IsPublicAsync(ReadScope read, long communityId, long id) =>
        await read.QuerySingleAsync<long>("""
            SELECT COUNT(*) FROM spending_requests r WHERE r.community_id = @communityId AND r.id = @id
            AND (r.status IN (@Approved, @Rejected, @Paid)
                 OR EXISTS (SELECT 1 FROM spending_decisions d WHERE d.community_id = r.community_id AND d.request_id = r.id))
            """, new { communityId, id, SpendingStatus.Approved, SpendingStatus.Rejected, SpendingStatus.Paid }) > 0;

    /// <summary>The request's story, or null when there is no such request or it has not reached a decision.</summary>
    public Task<SpendingStory?> StoryAsync(CommunityInfo community, long id, DateTimeOffset now) => db.ReadAsync(read => StoryAsync(read, community, id, now));

    private async Task<SpendingStory?> StoryAsync(ReadScope read, CommunityInfo community, long id, DateTimeOffset now)
    {
        var connection = read.Connection;
        var r = await spending.GetAsync(read, community.Id, id, now);
        if (r is null || !IsPublic(r)) return null;
        var chart = await Journal.LoadChartAsync(read, community.Id);
        string Name(string code) => chart.TryGetValue(code, out var a) ? a.Name : code;
        // (Parameter names differ by more than case: Npgsql matches them case-insensitively.)
        var filing = await connection.QuerySingleOrDefaultAsync<Filing>(
            "SELECT budget_id, line_budget_fen, line_left_fen FROM spending_filings WHERE community_id = @communityId AND request_id = @requestId",
            new { communityId = community.Id, requestId = id });
        var motions = (await connection.QueryAsync<(long Id, string Title, string Status, string? Result)>(
            "SELECT id, title, status, result FROM motions WHERE community_id = @communityId AND kind = @Kind AND subject_id = @requestId ORDER BY id",
            new { communityId = community.Id, Kind = MotionKinds.Spending, requestId = id }))
            .Select(m => new StoryMotion(m.Id, m.Title, m.Status, m.Result is null ? null
                : System.Text.Json.JsonDocument.Parse(m.Result).RootElement.TryGetProperty("passed", out var p) && p.ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False ? p.GetBoolean() : null))
            .ToList();
        StoryPayment? payment = null;
        if (r.PaidSeq is { } seq)
        {
            var hashes = await connection.QuerySingleAsync<(string EntryHash, string ChainHash)>(
                "SELECT entry_hash, chain_hash FROM entries WHERE community_id = @Id AND seq = @seq", new { community.Id, seq });
            payment = new StoryPayment(r.PaidOn!, r.BankRef, r.Voucher, seq, hashes.EntryHash, hashes.ChainHash);
        }
        return new SpendingStory(r.Id, r.Status, r.Payee, r.Amount, r.Account, Name(r.Account), r.Description, r.CreatedAt, r.Approval, r.NeedsVote, r.VoteReason,
            r.Attachments, r.BudgetLine, Name(r.BudgetLine), r.FiscalYear, filing is not null, filing?.BudgetId, filing?.LineBudgetFen, filing?.LineLeftFen,
            r.Decisions.Select(d => new StoryDecision(d.Role, d.Choice, d.Comment, d.DecidedAt)).ToList(), motions, payment);
    }
}
