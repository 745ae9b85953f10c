using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record QueryView(long Id, string Subject, string SubjectId, string Question, string AskedBy, string AskedAt,
    string? Answer, string? AnsweredAt, string Status, bool Overdue);

/// <summary>
/// Owners' and supervisors' queries (质询) on any published line; the trustee answers in public.
/// The asker is shown only as the units they hold, never by name. A query unanswered past the trust
/// terms' answer period is overdue.
/// </summary>
public sealed class InquiryBook(LedgerDatabase db, RegisterBook register)
{
    private sealed class Row
    {
        public long Id { get; init; }
        public string Subject { get; init; } = "";
        public string SubjectId { get; init; } = "";
        public string Question { get; init; } = "";
        public long AskedBy { get; init; }
        public string AskedAt { get; init; } = "";
        public string? Answer { get; init; }
        public string? AnsweredAt { get; init; }
    }

    /// <summary>Fails with: unknown_subject (the entry, request or statement period must exist).</summary>
    public async Task<Result<QueryView>> AskAsync(WriteScope scope, string subject, string subjectId, string question)
    {
        var c = scope.Community.Id;
        var exists = subject switch
        {
            "entry" => long.TryParse(subjectId, out var seq) && await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM entries WHERE community_id = @c AND seq = @seq", new { c, seq }) > 0,
            "spendingRequest" => long.TryParse(subjectId, out var rid) && await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM spending_requests WHERE community_id = @c AND id = @rid", new { c, rid }) > 0,
            _ => Statements.TryParsePeriod(subjectId, out _),
        };
        if (!exists) return new Failure(Codes.UnknownSubject, $"There is no {subject} '{subjectId}' in this community.");
        var id = await scope.QuerySingleAsync<long>("""
            INSERT INTO queries (community_id, subject, subject_id, question, asked_by, asked_at) VALUES (@c, @subject, @subjectId, @question, @UserId, @At) RETURNING id
            """, new { c, subject, subjectId, question, scope.UserId, At = Dates.Instant(scope.Now) });
        await scope.AuditAsync("query.ask", $"query:{id}", $"{subject} {subjectId}");
        return (await GetAsync(scope, id))!;
    }

    /// <summary>Fails with: not_found, already_answered (409).</summary>
    public async Task<Result<QueryView>> AnswerAsync(WriteScope scope, long id, string answer)
    {
        var changed = await scope.ExecuteAsync("""
            UPDATE queries SET answer = @answer, answered_by = @UserId, answered_at = @At WHERE community_id = @Id AND id = @QueryId AND answer IS NULL
            """, new { answer, scope.UserId, At = Dates.Instant(scope.Now), scope.Community.Id, QueryId = id });
        var query = await GetAsync(scope, id);
        if (query is null) return Failure.NotFound($"Query {id}");
        if (changed == 0) return Failure.Conflict(Codes.AlreadyAnswered, $"Query {id} was answered at {query.AnsweredAt}.");
        await scope.AuditAsync("query.answer", $"query:{id}", "");
        return query;
    }

    private async Task<QueryView?> GetAsync(WriteScope scope, long id) =>
        (await ReadAsync(scope.Connection, scope.Transaction, scope.Community, scope.Now, "id = @QueryId", new { scope.Community.Id, QueryId = id })).SingleOrDefault();

    /// <param name="status">open, answered or overdue; null for all.</param>
    public async Task<IReadOnlyList<QueryView>> ListAsync(CommunityInfo community, DateTimeOffset now, string? status)
    {
        await using var connection = await db.OpenAsync();
        var all = await ReadAsync(connection, null, community, now, "1 = 1", new { community.Id });
        return status switch
        {
            "open" => all.Where(q => q.Answer is null).ToList(),
            "answered" => all.Where(q => q.Answer is not null).ToList(),
            "overdue" => all.Where(q => q.Overdue).ToList(),
            _ => all,
        };
    }

    private async Task<IReadOnlyList<QueryView>> ReadAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx,
        CommunityInfo community, DateTimeOffset now, string where, object param)
    {
        var rows = (await connection.QueryAsync<Row>($"""
            SELECT id, subject, subject_id, question, asked_by, asked_at, answer, answered_at FROM queries WHERE community_id = @Id AND {where} ORDER BY id
            """, param, tx)).ToList();
        var days = (await register.TrustTermsAsync(community.Id, connection, tx))?.Terms.QueryAnswerDays ?? 7;
        var labels = new Dictionary<long, string>();
        foreach (var asker in rows.Select(r => r.AskedBy).Distinct())
            labels[asker] = await BudgetBook.AuthorLabelAsync(connection, tx, community.Id, asker);
        return rows.Select(r =>
        {
            var overdue = r.Answer is null && DateTimeOffset.Parse(r.AskedAt, System.Globalization.CultureInfo.InvariantCulture).AddDays(days) < now;
            return new QueryView(r.Id, r.Subject, r.SubjectId, r.Question, labels[r.AskedBy], r.AskedAt, r.Answer, r.AnsweredAt,
                r.Answer is null ? "open" : "answered", overdue);
        }).ToList();
    }
}

/// <summary>Statement periods: a month (2026-10), a quarter (2026-Q3) or a year (2026).</summary>
public static class Statements
{
    public static bool TryParsePeriod(string? text, out string period)
    {
        period = text ?? "";
        if (Month.TryParse(text, out _)) return true;
        if (text is { Length: 7 } && text[4] == '-' && text[5] == 'Q' && text[6] is >= '1' and <= '4' && int.TryParse(text.AsSpan(0, 4), out var qy) && qy is >= 2000 and <= 2999) return true;
        return text is { Length: 4 } && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var y) && y is >= 2000 and <= 2999;
    }
}
