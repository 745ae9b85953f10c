using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record InquiryView(long Id, string Subject, string SubjectId, string Question, string AskedBy, string AskedAt,
    string? Answer, string? AnsweredAt, string Status, bool Overdue, string AnswerDue, bool? AnsweredInTime,
    InquiryRating? Rating, string? EscalatedAt, string? EscalatedBecause, InquiryFinding? Finding)
{
    /// <summary>Who asked is for members only: the public sees the question, never the asker's unit.</summary>
    public InquiryView ForPublic() => this with { AskedBy = "" };
}

/// <summary>
/// Who reads a query list, for its entry subjects: an owner-specific entry (hidden from the public feed) is named by its
/// sequence number only to whoever may read that entry, as only they may ask about it (<see cref="InquiryBook.AskAsync"/>).
/// </summary>
public sealed record InquiryReader(long UserId, IReadOnlyList<string> Roles)
{
    /// <summary>Nobody signed in: public pages and statements.</summary>
    public static readonly InquiryReader Public = new(0, []);
}

public sealed record InquiryRating(bool Satisfied, string Comment, string RatedAt);

public sealed record InquiryFinding(string Finding, bool Upheld, string FoundAt);

/// <summary>
/// Owners' and supervisors' queries (质询) on any published line; the trustee answers in public.
/// The asker is shown only as the units they hold, never by name. A query unanswered past the trust
/// terms' answer period is overdue. The asker rates the answer; an unsatisfied rating or a missed
/// deadline sends the query to the supervisor, whose finding closes it (<see cref="InquiryLoop"/>).
/// </summary>
public sealed class InquiryBook(LedgerDatabase db)
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
        public bool? Satisfied { get; init; }
        public string? RatingComment { get; init; }
        public string? RatedAt { get; init; }
        public string? Finding { get; init; }
        public bool? Upheld { get; init; }
        public string? FoundAt { get; init; }

        public InquiryFacts Facts() => new(Instants.Parse(AskedAt), Instants.ParseOrNull(AnsweredAt), Instants.ParseOrNull(RatedAt), Satisfied,
            Instants.ParseOrNull(FoundAt));
    }

    /// <summary>
    /// Fails with: unknown_subject: the entry, request or statement must exist and be one the asker can see, so
    /// a hidden one answers as a missing one. An owner sees entries that name no unit and those of their own
    /// units, spending requests that reached a decision (as the public does), and published statements; staff and
    /// oversight roles see every entry and request, staff and the supervisor drafts too.
    /// </summary>
    public async Task<Result<InquiryView>> AskAsync(WriteScope scope, string subject, string subjectId, string question)
    {
        var c = scope.Community.Id;
        var userId = scope.UserId!.Value;
        var roles = (await scope.QueryAsync<string>("SELECT role FROM memberships WHERE community_id = @c AND user_id = @userId", new { c, userId })).ToList();
        var exists = subject switch
        {
            "entry" => long.TryParse(subjectId, out var seq) && await SeesEntryAsync(scope, seq, roles),
            // Staff and oversight see every request; an owner only those the public sees (SpendingStoryBook.IsPublic), so a
            // pending one answers as a missing one and cannot be probed for.
            "spendingRequest" => long.TryParse(subjectId, out var rid) && (roles.Any(Roles.StaffAndOversight.Contains)
                ? await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM spending_requests WHERE community_id = @c AND id = @rid", new { c, rid }) > 0
                : await SpendingStoryBook.IsPublicAsync(scope, c, rid)
                  // A request put to the owners' vote is theirs to ask about: the motion names it to every member from its announcement.
                  || await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM motions WHERE community_id = @c AND kind = @Spending AND subject_id = @rid",
                      new { c, rid, Spending = MotionKinds.Spending }) > 0),
            // A statement that was built for the period (a draft only for those who read drafts).
            _ => Period.TryParse(subjectId, scope.Community.FiscalYearStartMonth, out var period) && await scope.QuerySingleAsync<long>(
                "SELECT COUNT(*) FROM statements WHERE community_id = @c AND period = @Text AND (@drafts OR status = 'published')",
                new { c, period.Text, drafts = roles.Any(Roles.StaffAndSupervisor.Contains) }) > 0,
        };
        if (!exists) return new Failure(Codes.UnknownSubject, $"There is no {subject} '{subjectId}' in this community.");
        var id = await scope.QuerySingleAsync<long>("""
            INSERT INTO queries (community_id, subject, subject_id, question, asked_by, asked_at) VALUES (@c, @subject, @subjectId, @question, @UserId, @At) RETURNING id
            """, new { c, subject, subjectId, question, scope.UserId, At = Dates.Instant(scope.Now) });
        await scope.AuditAsync("query.ask", $"query:{id}", $"{subject} {subjectId}");
        return (await GetAsync(scope, id))!;
    }

    /// <summary>
    /// Whether the asker sees entry <paramref name="seq"/>: everyone sees an entry that names no unit; an owner-specific
    /// one (DESIGN.md section 6, hidden from the public feed) only staff, oversight and the owners of a unit it names
    /// (the rule <see cref="UnreadableEntriesAsync"/> applies to a list).
    /// </summary>
    private static async Task<bool> SeesEntryAsync(WriteScope scope, long seq, IReadOnlyList<string> roles) =>
        await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM entries WHERE community_id = @Id AND seq = @seq", new { scope.Community.Id, seq }) > 0
        && (await UnreadableEntriesAsync(scope, scope.Community.Id, [seq], new InquiryReader(scope.UserId!.Value, roles))).Count == 0;

    /// <summary>
    /// The owner-specific entries among <paramref name="entries"/> that <paramref name="reader"/> may not read: those naming
    /// a unit, unless the reader is staff or oversight or owns a unit the entry names. Queries about them are shown without
    /// the entry's sequence number. The feed shows every sequence number with its hash; what the number would add here is
    /// which hidden entry a question and its answer are about, and, with the asker's unit members see, whose it is.
    /// </summary>
    private static async Task<HashSet<long>> UnreadableEntriesAsync(ReadScope read, long communityId, IEnumerable<long> entries, InquiryReader reader)
    {
        var seqs = entries.Distinct().ToArray();
        var hidden = new HashSet<long>();
        if (seqs.Length == 0 || reader.Roles.Any(Roles.StaffAndOversight.Contains)) return hidden;
        var named = new List<(long Seq, long Unit)>();
        foreach (var chunk in seqs.Chunk(500))
            named.AddRange(await read.QueryAsync<(long, long)>(
                "SELECT seq, unit_id FROM entry_lines WHERE community_id = @communityId AND unit_id IS NOT NULL AND " + read.Dialect.InList("seq", "@chunk"),
                new { communityId, chunk }));
        if (named.Count == 0) return hidden;
        HashSet<long> own = reader.UserId == 0 ? [] : (await RegisterBook.OwnedUnitIdsAsync(read, communityId, reader.UserId)).ToHashSet();
        foreach (var entry in named.GroupBy(n => n.Seq))
            if (!entry.Any(n => own.Contains(n.Unit))) hidden.Add(entry.Key);
        return hidden;
    }

    /// <summary>The entry a query is about, read as <see cref="AskAsync"/> read it; null for other subjects.</summary>
    private static long? EntrySeq(Row r) => r.Subject == "entry" && long.TryParse(r.SubjectId, out var seq) ? seq : null;

    /// <summary>The subject id as <paramref name="hidden"/> leaves it: empty for an entry the reader may not read.</summary>
    private static string SubjectIdFor(Row r, HashSet<long> hidden) => EntrySeq(r) is { } seq && hidden.Contains(seq) ? "" : r.SubjectId;

    /// <summary>Fails with: not_found, already_answered (409).</summary>
    public async Task<Result<InquiryView>> AnswerAsync(WriteScope scope, long id, string answer)
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

    /// <summary>
    /// The asker's rating of the answer; unsatisfied, the query goes to the supervisor. Fails with:
    /// not_found, not_the_asker (403), query_not_answered (409), query_closed (409), already_rated (409).
    /// </summary>
    public async Task<Result<InquiryView>> RateAsync(WriteScope scope, long id, bool satisfied, string comment)
    {
        var query = await GetAsync(scope, id);
        if (query is null) return Failure.NotFound($"Query {id}");
        var askedBy = await scope.QuerySingleAsync<long>("SELECT asked_by FROM queries WHERE community_id = @Id AND id = @QueryId", new { scope.Community.Id, QueryId = id });
        if (askedBy != scope.UserId) return new Failure(Codes.NotTheAsker, "Only the owner who asked a query rates its answer.", 403);
        if (query.Answer is null) return Failure.Conflict(Codes.InquiryNotAnswered, $"Query {id} has no answer to rate yet.");
        if (query.Status == InquiryLoop.Closed) return Failure.Conflict(Codes.InquiryClosed, $"Query {id} was closed by the supervisor's finding.");
        if (query.Rating is not null) return Failure.Conflict(Codes.AlreadyRated, $"Query {id} was rated at {query.Rating.RatedAt}.");
        await scope.ExecuteAsync("""
            INSERT INTO query_ratings (community_id, query_id, satisfied, comment, rated_by, rated_at) VALUES (@Id, @QueryId, @satisfied, @comment, @UserId, @At)
            """, new { scope.Community.Id, QueryId = id, satisfied, comment, scope.UserId, At = Dates.Instant(scope.Now) });
        await scope.AuditAsync("query.rate", $"query:{id}", satisfied ? "satisfied" : "unsatisfied");
        return (await GetAsync(scope, id))!;
    }

    /// <summary>
    /// The supervisor's finding on an escalated (or overdue) query, which closes it. Fails with:
    /// not_found, query_not_escalated (409), trustee_cannot_approve (403: the finder holds a trustee role here, so would
    /// judge the trustee's own answer, as no trustee decides on its spending).
    /// </summary>
    public async Task<Result<InquiryView>> FindAsync(WriteScope scope, long id, string finding, bool upheld, IReadOnlyList<string> roles)
    {
        if (roles.Contains(Roles.Trustee) || roles.Contains(Roles.TrusteeManager))
            return new Failure(Codes.TrusteeCannotApprove, "Whoever holds a trustee role in this community does not record findings on its answers.", 403);
        var query = await GetAsync(scope, id);
        if (query is null) return Failure.NotFound($"Query {id}");
        if (!InquiryLoop.AwaitsFinding(query.Status))
            return Failure.Conflict(Codes.InquiryNotEscalated, $"Query {id} is {query.Status}: a finding is recorded on escalated or overdue queries only.");
        await scope.ExecuteAsync("""
            INSERT INTO query_findings (community_id, query_id, finding, upheld, found_by, found_at) VALUES (@Id, @QueryId, @finding, @upheld, @UserId, @At)
            """, new { scope.Community.Id, QueryId = id, finding, upheld, scope.UserId, At = Dates.Instant(scope.Now) });
        await scope.AuditAsync("query.finding", $"query:{id}", upheld ? "upheld" : "not upheld");
        return (await GetAsync(scope, id))!;
    }

    /// <summary>A query as the one acting on it sees it: the asker, the trustee answering, the supervisor finding (each may read its subject).</summary>
    private async Task<InquiryView?> GetAsync(WriteScope scope, long id) =>
        (await ReadAsync(scope, scope.Community, scope.Now, "q.id = @QueryId", new { scope.Community.Id, QueryId = id }, reader: null)).SingleOrDefault();

    /// <summary>
    /// Every query as a member sees it: a query about another household's entry (hidden from the feed, see
    /// <see cref="InquiryReader"/>) has an empty <c>subjectId</c>, unless the reader is staff or oversight.
    /// </summary>
    /// <param name="status">One of <see cref="InquiryLoop.Statuses"/>; null for all.</param>
    public async Task<IReadOnlyList<InquiryView>> ListAsync(CommunityInfo community, DateTimeOffset now, string? status, InquiryReader reader)
    {
        var all = await db.ReadAsync(read => ReadAsync(read, community, now, "1 = 1", new { community.Id }, reader: reader));
        return status is null ? all : all.Where(q => q.Status == status).ToList();
    }

    /// <summary>Every query as the public sees it: question, answer, status and finding, never who asked, nor which hidden entry it is about.</summary>
    public async Task<IReadOnlyList<InquiryView>> PublicListAsync(CommunityInfo community, DateTimeOffset now) =>
        (await db.ReadAsync(read => ReadAsync(read, community, now, "1 = 1", new { community.Id }, labelAskers: false, reader: InquiryReader.Public)))
            .Select(q => q.ForPublic()).ToList();

    /// <summary>
    /// A statement's query figures, as they stood at the period's end (later answers, ratings and
    /// findings do not move a past period): asked, answered (in time), rated satisfied and escalated
    /// during the period, open at its end, and every query asked or acted on in it, without the asker.
    /// </summary>
    public static async Task<InquiryFigures> FiguresAsync(ReadScope read, CommunityInfo community, DateTimeOffset from, DateTimeOffset until, int answerDays)
    {
        var rows = (await read.QueryAsync<Row>($"""
            {Select} WHERE q.community_id = @Id AND q.asked_at < @Until ORDER BY q.id
            """, new { community.Id, Until = Dates.Instant(until) })).ToList();
        // A query about an owner-specific entry is published without the entry's sequence number (InquiryReader).
        var hidden = await UnreadableEntriesAsync(read, community.Id, rows.Select(EntrySeq).OfType<long>(), InquiryReader.Public);
        bool In(DateTimeOffset? t) => t is { } x && x >= from && x < until;
        long opened = 0, answered = 0, inTime = 0, satisfied = 0, escalated = 0, openAtEnd = 0;
        var items = new List<InquiryItemFigure>();
        var end = until.AddTicks(-1);
        foreach (var r in rows)
        {
            var f = r.Facts();
            var (status, because) = InquiryLoop.StatusAt(f, end, answerDays);
            var escalatedAt = InquiryLoop.EscalatedAt(f, end, answerDays);
            if (In(f.AskedAt)) opened++;
            if (In(f.AnsweredAt)) { answered++; if (InquiryLoop.AnsweredInTime(f, answerDays)) inTime++; }
            if (In(f.RatedAt) && f.Satisfied == true) satisfied++;
            if (In(escalatedAt)) escalated++;
            if (f.AnsweredAt is not { } a || a >= until) openAtEnd++;
            if (In(f.AskedAt) || In(f.AnsweredAt) || In(f.RatedAt) || In(f.FoundAt) || In(escalatedAt))
                items.Add(new InquiryItemFigure(r.Id, r.Subject, SubjectIdFor(r, hidden), r.Question, r.AskedAt,
                    f.AnsweredAt < until ? r.Answer : null, f.AnsweredAt < until ? r.AnsweredAt : null, status, because,
                    f.FoundAt < until ? r.Finding : null, f.FoundAt < until ? r.Upheld : null));
        }
        return new InquiryFigures(opened, answered, openAtEnd, inTime, satisfied, escalated, items);
    }

    /// <summary>The figures of each month in <paramref name="months"/>, the current one counted up to <paramref name="now"/>.</summary>
    public Task<IReadOnlyList<(Month Month, InquiryFigures Figures)>> MonthlyFiguresAsync(CommunityInfo community, IReadOnlyList<Month> months, DateTimeOffset now, int answerDays) =>
        db.ReadAsync<IReadOnlyList<(Month, InquiryFigures)>>(async read =>
        {
            var list = new List<(Month, InquiryFigures)>();
            foreach (var m in months)
            {
                var (from, until) = community.Instants(Period.OfMonth(m));
                list.Add((m, await FiguresAsync(read, community, from, until < now ? until : now, answerDays)));
            }
            return list;
        });

    private const string Select = """
        SELECT q.id, q.subject, q.subject_id, q.question, q.asked_by, q.asked_at, q.answer, q.answered_at,
               r.satisfied, r.comment AS rating_comment, r.rated_at, f.finding, f.upheld, f.found_at
        FROM queries q
        LEFT JOIN query_ratings r ON r.community_id = q.community_id AND r.query_id = q.id
        LEFT JOIN query_findings f ON f.community_id = q.community_id AND f.query_id = q.id
        """;

    /// <param name="reader">Who reads the list (its entry subjects are shown as <see cref="UnreadableEntriesAsync"/> allows); null: each query's own actor.</param>
    private static async Task<IReadOnlyList<InquiryView>> ReadAsync(ReadScope read, CommunityInfo community, DateTimeOffset now, string where, object param,
        InquiryReader? reader, bool labelAskers = true)
    {
        var rows = (await read.QueryAsync<Row>($"""
            {Select} WHERE q.community_id = @Id AND {where} ORDER BY q.id
            """, param)).ToList();
        HashSet<long> hidden = reader is null ? [] : await UnreadableEntriesAsync(read, community.Id, rows.Select(EntrySeq).OfType<long>(), reader);
        var days = (await RegisterBook.TrustTermsAsync(read, community.Id))?.Terms.QueryAnswerDays ?? 7;
        var labels = new Dictionary<long, string>();
        foreach (var asker in rows.Select(r => r.AskedBy).Distinct())
            labels[asker] = labelAskers ? await AskerLabelAsync(read, community.Id, asker) : "";
        return rows.Select(r =>
        {
            var f = r.Facts();
            var (status, because) = InquiryLoop.StatusAt(f, now, days);
            var overdue = r.Answer is null && InquiryLoop.Deadline(f.AskedAt, days) < now;
            return new InquiryView(r.Id, r.Subject, SubjectIdFor(r, hidden), r.Question, labels[r.AskedBy], r.AskedAt, r.Answer, r.AnsweredAt,
                status, overdue, Dates.Instant(InquiryLoop.Deadline(f.AskedAt, days)), r.Answer is null ? null : InquiryLoop.AnsweredInTime(f, days),
                r.RatedAt is null ? null : new InquiryRating(r.Satisfied == true, r.RatingComment ?? "", r.RatedAt),
                InquiryLoop.EscalatedAt(f, now, days) is { } e ? Dates.Instant(e) : null, because,
                r.FoundAt is null ? null : new InquiryFinding(r.Finding ?? "", r.Upheld == true, r.FoundAt));
        }).ToList();
    }

    /// <summary>
    /// Who asked, never by name: a supervisor by the role (they ask in it, whatever units they hold), an owner by
    /// their units (<see cref="BudgetBook.AuthorLabelAsync"/>). Read from the roles held now.
    /// </summary>
    private static async Task<string> AskerLabelAsync(ReadScope read, long communityId, long userId) =>
        await read.QuerySingleAsync<long>("SELECT COUNT(*) FROM memberships WHERE community_id = @communityId AND user_id = @userId AND role = @Supervisor",
            new { communityId, userId, Roles.Supervisor }) > 0
            ? "监察人"
            : await BudgetBook.AuthorLabelAsync(read, communityId, userId);

    /// <summary>The queries this person asked: the portal offers the rating form to the asker only (<see cref="RateAsync"/> enforces it: not_the_asker).</summary>
    public Task<IReadOnlyList<long>> AskedByAsync(long communityId, long userId) => db.ReadAsync<IReadOnlyList<long>>(async read =>
        [.. await read.QueryAsync<long>("SELECT id FROM queries WHERE community_id = @communityId AND asked_by = @userId", new { communityId, userId })]);
}
