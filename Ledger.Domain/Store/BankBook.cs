using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

public sealed record BankImport(long Id, string Account, string Format, string From, string To, long Opening, long Closing,
    long Lines, long Imported, long Duplicates, long Matched, long Unmatched)
{
    /// <summary>False when the same file was imported before: the first result again.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool Created { get; init; } = true;
}

public sealed record BankMatchView(long Seq, string Kind);

public sealed record BankLineView(long Id, string Account, string Date, long Amount, string? Reference, string? EndToEndId,
    string Counterparty, string Memo, long Balance, string Status, BankMatchView? Match, IReadOnlyList<long> Candidates);

/// <summary>A month's reconciliation as staff read it: live while a draft, frozen once signed.</summary>
public sealed record ReconciliationView(string Month, string Account, string? BankThrough, long BankClosing, long BookClosing,
    IReadOnlyList<ReconcilingItem> Items, long Unexplained, string Status, string? SignedBy, string? SignedAt, string? Remarks, string? Hash);

/// <summary>A signed month on the public page: whether bank and books agree.</summary>
public sealed record SignedReconciliation(string Month, string Account, long BankClosing, long BookClosing, int Items, long Unexplained, string Hash);

/// <summary>
/// Bank reconciliation (DESIGN.md 9): column mappings, statements imported once per file and once per
/// line, matching each line to the journal, and the monthly reconciliation the supervisor signs.
/// The journal stays the truth: nothing here posts an entry except a recorded bank receipt, which
/// goes through <see cref="FeeBook.ReceiveAsync"/> like any public revenue.
/// </summary>
public sealed class BankBook(LedgerDatabase db, FeeBook fees)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // ------------------------------------------------------------------ mappings

    public Task SaveMappingAsync(WriteScope scope, string name, BankMapping mapping) => scope.ExecuteAsync("""
        INSERT INTO bank_mappings (community_id, name, mapping, updated_at, updated_by) VALUES (@Id, @name, @json, @at, @UserId)
        ON CONFLICT (community_id, name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at, updated_by = excluded.updated_by
        """, new { scope.Community.Id, name, json = JsonSerializer.Serialize(mapping, Json), at = Dates.Instant(scope.Now), scope.UserId });

    /// <summary>A saved mapping of the community, else a built-in one (<c>cmb</c>), else null.</summary>
    public Task<BankMapping?> MappingAsync(long communityId, string name) => db.ReadAsync(async read =>
    {
        var json = await read.QuerySingleOrDefaultAsync<string>(
            "SELECT mapping FROM bank_mappings WHERE community_id = @communityId AND name = @name", new { communityId, name });
        return json is not null ? JsonSerializer.Deserialize<BankMapping>(json, Json) : BankMapping.BuiltIn.GetValueOrDefault(name);
    });

    // ------------------------------------------------------------------ import

    private sealed class StatementRow
    {
        public long Id { get; init; }
        public string AccountCode { get; init; } = "";
        public string Format { get; init; } = "";
        public string FromDate { get; init; } = "";
        public string ToDate { get; init; } = "";
        public long OpeningFen { get; init; }
        public long ClosingFen { get; init; }
        public long LineCount { get; init; }
        public long Imported { get; init; }
        public long Duplicates { get; init; }
        public long Matched { get; init; }
        public long Unmatched { get; init; }
        public BankImport ToView(bool created) => new(Id, AccountCode, Format, FromDate, ToDate, OpeningFen, ClosingFen, LineCount, Imported, Duplicates, Matched, Unmatched) { Created = created };
    }

    /// <summary>
    /// Imports a parsed statement of <paramref name="account"/>: the same file again answers the first
    /// import; lines already imported (an overlapping period) are counted as duplicates, the rest are
    /// added and matched, and earlier unmatched lines are tried again against the journal.
    /// Fails with bank_statement_gap when the balance before the first new line is not the account's
    /// previous closing balance, when new lines lie between lines already imported, or when the statement
    /// leaves out a line already imported for its period; month_not_open when it lies outside the books.
    /// </summary>
    public async Task<Result<BankImport>> ImportAsync(WriteScope scope, string account, string format, string fileSha256, BankFile file)
    {
        var id = scope.Community.Id;
        var same = await scope.QuerySingleOrDefaultAsync<StatementRow>("""
            SELECT id, account_code, format, from_date, to_date, opening_fen, closing_fen, line_count, imported, duplicates, matched, unmatched
            FROM bank_statements WHERE community_id = @id AND account_code = @account AND file_sha256 = @fileSha256
            """, new { id, account, fileSha256 });
        if (same is not null) return same.ToView(created: false);

        // The statement's own period is the bank's word on what it covers (the reconciliation's bankThrough): within the books.
        if (PeriodRefusal(scope, file) is { } outside) return outside;

        // By identity, through the unique index: a line with a bank reference is known by it whatever its date.
        var known = new Dictionary<string, (string BookedOn, long AmountFen, long BalanceFen)>(StringComparer.Ordinal);
        foreach (var chunk in file.Lines.Select(l => l.Identity).Distinct(StringComparer.Ordinal).Chunk(IdentitiesPerRead))
            foreach (var k in await scope.QueryAsync<(string Identity, string BookedOn, long AmountFen, long BalanceFen)>(
                "SELECT identity, booked_on, amount_fen, balance_fen FROM bank_lines WHERE community_id = @id AND account_code = @account AND "
                + scope.Dialect.InList("identity", "@chunk"), new { id, account, chunk }))
                known[k.Identity] = (k.BookedOn, k.AmountFen, k.BalanceFen);
        var firstNew = -1;
        for (var i = 0; i < file.Lines.Count; i++)
        {
            var line = file.Lines[i];
            var isKnown = known.TryGetValue(line.Identity, out var was);
            // A bank reference names one booking: the same reference with another date, amount or running balance is a
            // changed history (or a statement whose balances do not follow the account's), not a duplicate.
            if (isKnown && (was.BookedOn != Dates.Format(line.Date) || was.AmountFen != line.Amount))
                return new Failure(BankCodes.StatementGap,
                    $"Row {line.Row} carries the bank reference {line.Reference}, imported before as {was.AmountFen} fen on {was.BookedOn}; this file says {line.Amount} fen on {Dates.Format(line.Date)}: the bank's history cannot change.");
            if (isKnown && was.BalanceFen != line.Balance)
                return new Failure(BankCodes.StatementGap,
                    $"Row {line.Row} was imported before with the balance {was.BalanceFen} fen after it; this file gives {line.Balance} fen: its balances do not follow the account's.");
            if (!isKnown && firstNew < 0) firstNew = i;
            if (isKnown && firstNew >= 0)
                return new Failure(BankCodes.StatementGap,
                    $"Row {file.Lines[firstNew].Row} is not in the statements imported so far, but row {file.Lines[i].Row} after it is: the bank's history cannot change; import the missing period as its own statement.");
        }
        var (previous, lastDate) = await PreviousClosingAsync(scope, account);
        if (firstNew >= 0 && DateRefusal(scope, file.Lines.Skip(firstNew), lastDate) is { } refused) return refused;
        if (previous is { } p && firstNew >= 0)
        {
            var before = firstNew == 0 ? file.Opening : file.Lines[firstNew - 1].Balance;
            if (before != p)
                return new Failure(BankCodes.StatementGap,
                    $"The balance before this statement's first new line is {before} fen, but the account's previous statement closed at {p} fen: a statement is missing in between.");
        }
        if (previous is { } q && file.Lines.Count == 0 && file.Opening != q)
            return new Failure(BankCodes.StatementGap, $"This statement opens at {file.Opening} fen, but the previous one closed at {q} fen.");
        if (await OmissionRefusalAsync(scope, account, file, firstNew < 0 ? file.Lines.Count : firstNew) is { } omitted) return omitted;

        var fresh = firstNew < 0 ? [] : file.Lines.Skip(firstNew).ToList();
        var matcher = await MatcherAsync(scope, account);

        // Earlier lines left unmatched may find their entry now that more of the journal is posted.
        var waiting = (await scope.QueryAsync<(long Id, string BookedOn, long AmountFen, string? Reference, string? EndToEndId)>("""
            SELECT id, booked_on, amount_fen, reference, end_to_end_id FROM bank_lines
            WHERE community_id = @id AND account_code = @account AND matched_seq IS NULL ORDER BY id
            """, new { id, account })).ToList();
        foreach (var w in waiting)
        {
            var m = matcher.Match(DateOnly.Parse(w.BookedOn, System.Globalization.CultureInfo.InvariantCulture), w.AmountFen, w.Reference, w.EndToEndId);
            if (m.Seq is { } seq)
                await scope.ExecuteAsync("UPDATE bank_lines SET matched_seq = @seq, match_kind = @Kind WHERE id = @Id AND community_id = @community",
                    new { seq, m.Kind, w.Id, community = id });
        }

        var outcomes = fresh.Select(l => matcher.Match(l.Date, l.Amount, l.Reference, l.EndToEndId)).ToList();
        var matched = outcomes.Count(o => o.Seq is not null);
        var statementId = await scope.QuerySingleAsync<long>("""
            INSERT INTO bank_statements (community_id, account_code, format, file_sha256, from_date, to_date, opening_fen, closing_fen,
                line_count, imported, duplicates, matched, unmatched, created_at, created_by)
            VALUES (@id, @account, @format, @fileSha256, @from, @to, @Opening, @Closing, @lines, @imported, @duplicates, @matched, @unmatched, @at, @UserId)
            RETURNING id
            """, new
        {
            id, account, format, fileSha256, from = Dates.Format(file.From), to = Dates.Format(file.To), file.Opening, file.Closing,
            lines = (long)file.Lines.Count, imported = (long)fresh.Count, duplicates = (long)(file.Lines.Count - fresh.Count),
            matched = (long)matched, unmatched = (long)(fresh.Count - matched), at = Dates.Instant(scope.Now), scope.UserId,
        });

        var rows = new List<object?[]>(fresh.Count);
        for (var i = 0; i < fresh.Count; i++)
        {
            var l = fresh[i];
            var o = outcomes[i];
            var date = Dates.Format(l.Date);
            rows.Add([id, account, statementId, date, date[..7], l.Amount, l.Balance, l.Identity, l.Reference, l.EndToEndId, l.Counterparty, l.Memo, o.Seq, o.Kind]);
        }
        await Bulk.InsertAsync(scope, LineColumns, rows, "", LineTextColumns);
        await scope.AuditAsync("bank.import", $"bank-statement:{statementId}", $"{account} {format} {Dates.Format(file.From)}..{Dates.Format(file.To)} {fresh.Count} new, {matched} matched");
        return new BankImport(statementId, account, format, Dates.Format(file.From), Dates.Format(file.To), file.Opening, file.Closing,
            file.Lines.Count, fresh.Count, file.Lines.Count - fresh.Count, matched, fresh.Count - matched);
    }

    /// <summary>The account's balance after its last imported line (or its last statement's closing), and that line's date.</summary>
    private static async Task<(long? Balance, DateOnly? Date)> PreviousClosingAsync(WriteScope scope, string account)
    {
        var lastLine = (await scope.QueryAsync<(long Balance, string BookedOn)>("""
            SELECT balance_fen, booked_on FROM bank_lines WHERE community_id = @Id AND account_code = @account ORDER BY id DESC LIMIT 1
            """, new { scope.Community.Id, account })).ToList();
        if (lastLine.Count == 1) return (lastLine[0].Balance, Dates.TryParse(lastLine[0].BookedOn, out var d) ? d : null);
        return (await scope.QueryOptionalAsync<long>("""
            SELECT closing_fen FROM bank_statements WHERE community_id = @Id AND account_code = @account ORDER BY to_date DESC, id DESC LIMIT 1
            """, new { scope.Community.Id, account }), null);
    }

    /// <summary>A statement's period must lie in the books too: not starting before they open, not ending after today.</summary>
    private static Failure? PeriodRefusal(WriteScope scope, BankFile file)
    {
        if (file.From < scope.Community.BooksStartMonth.FirstDay)
            return new Failure(Codes.MonthNotOpen, $"The statement starts on {Dates.Format(file.From)}, before the books open ({scope.Community.BooksStartMonth}).");
        if (file.To > scope.Today)
            return new Failure(Codes.MonthNotOpen, $"The statement runs to {Dates.Format(file.To)}, after today ({Dates.Format(scope.Today)}) in the community's time zone.");
        return null;
    }

    /// <summary>
    /// New lines must fall in the books (not before the month they open, not after today in the community's zone)
    /// and after what is already imported: a line dated before the account's last imported line would rewrite the
    /// bank's history (bank_statement_gap), and make the next real statement fail.
    /// </summary>
    private static Failure? DateRefusal(WriteScope scope, IEnumerable<BankLine> fresh, DateOnly? lastDate)
    {
        foreach (var line in fresh)
        {
            if (line.Date < scope.Community.BooksStartMonth.FirstDay)
                return new Failure(Codes.MonthNotOpen, $"Row {line.Row} is booked on {Dates.Format(line.Date)}, before the books open ({scope.Community.BooksStartMonth}).");
            if (line.Date > scope.Today)
                return new Failure(Codes.MonthNotOpen, $"Row {line.Row} is booked on {Dates.Format(line.Date)}, after today ({Dates.Format(scope.Today)}) in the community's time zone.");
            if (lastDate is { } last && line.Date < last)
                return new Failure(BankCodes.StatementGap,
                    $"Row {line.Row} is booked on {Dates.Format(line.Date)}, before the last line already imported ({Dates.Format(last)}): the bank's history cannot change.");
        }
        return null;
    }

    /// <summary>
    /// A statement speaks for its whole period: every line already imported that the bank booked in it must be in the
    /// statement, in the order imported (the known lines lead it), else the statement contradicts the imported history
    /// (bank_statement_gap). Balances alone miss this: a re-sent month that leaves out its last line, its first, or
    /// lines that net to zero still adds up.
    /// </summary>
    private static async Task<Failure?> OmissionRefusalAsync(WriteScope scope, string account, BankFile file, int knownCount)
    {
        var (from, to) = (Dates.Format(file.From), Dates.Format(file.To));
        var held = (await scope.QueryAsync<(string Identity, string BookedOn, long AmountFen, string? Reference)>("""
            SELECT identity, booked_on, amount_fen, reference FROM bank_lines
            WHERE community_id = @Id AND account_code = @account AND booked_on >= @from AND booked_on <= @to ORDER BY id
            """, new { scope.Community.Id, account, from, to })).ToList();
        for (var i = 0; i < held.Count; i++)
        {
            var h = held[i];
            if (i < knownCount && file.Lines[i].Identity == h.Identity) continue;
            var row = file.Lines.Take(knownCount).FirstOrDefault(l => l.Identity == h.Identity)?.Row;
            return new Failure(BankCodes.StatementGap, row is { } r
                ? $"Row {r} comes in another order than it was imported: the bank's history cannot change."
                : $"The line of {h.AmountFen} fen booked on {h.BookedOn}{(h.Reference is { } x ? $" with the bank reference {x}" : " without a bank reference")} was imported before and lies in this statement's period ({from} to {to}), but the statement leaves it out: the bank's history cannot change.");
        }
        return null;
    }

    /// <summary>Identities looked up per statement (PostgreSQL takes them as one array, SQLite as that many parameters).</summary>
    private const int IdentitiesPerRead = 10_000;

    private const string LineColumns = "INSERT INTO bank_lines (community_id, account_code, statement_id, booked_on, month, amount_fen, balance_fen, identity, reference, end_to_end_id, counterparty, memo, matched_seq, match_kind)";

    /// <summary>The text columns of <see cref="LineColumns"/> (by position): they may be null in every row of a statement.</summary>
    private static readonly int[] LineTextColumns = [1, 3, 4, 7, 8, 9, 10, 11, 13];

    // ------------------------------------------------------------------ the journal's side

    private sealed class MovementRow
    {
        public long Seq { get; init; }
        public string EntryDate { get; init; } = "";
        public long Amount { get; init; }
    }

    /// <summary>
    /// Every entry's net movement of the bank account, with the references its flow recorded. The
    /// references live in the fee and spending tables, and their books read them: one query per book,
    /// never a call per line.
    /// </summary>
    private static async Task<List<BookMovement>> MovementsAsync(ReadScope read, long communityId, string account, DateOnly? through = null)
    {
        var rows = await read.QueryAsync<MovementRow>("""
            SELECT e.seq, e.entry_date, CAST(SUM(CASE WHEN l.side = 'D' THEN l.amount_fen ELSE -l.amount_fen END) AS BIGINT) AS amount
            FROM entry_lines l JOIN entries e ON e.community_id = l.community_id AND e.seq = l.seq
            WHERE l.community_id = @communityId AND l.account_code = @account AND e.entry_date <= @through
            GROUP BY e.seq, e.entry_date
            """, new { communityId, account, through = through is { } t ? Dates.Format(t) : "9999-12-31" });
        var refs = (await FeeBook.BankReferencesAsync(read, communityId)).Concat(await SpendingBook.BankReferencesAsync(read, communityId)).ToLookup(r => r.Seq, r => r.Ref);
        return rows.Where(r => r.Amount != 0)
            .Select(r => new BookMovement(r.Seq, DateOnly.ParseExact(r.EntryDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), r.Amount, refs[r.Seq].ToList()))
            .ToList();
    }

    private static async Task<BankMatcher> MatcherAsync(WriteScope scope, string account)
    {
        var movements = await MovementsAsync(scope, scope.Community.Id, account);
        var taken = await scope.QueryAsync<long>(
            "SELECT matched_seq FROM bank_lines WHERE community_id = @Id AND account_code = @account AND matched_seq IS NOT NULL", new { scope.Community.Id, account });
        return new BankMatcher(movements, taken);
    }

    // ------------------------------------------------------------------ lines and matching

    private sealed class LineRow
    {
        public long Id { get; init; }
        public string AccountCode { get; init; } = "";
        public string BookedOn { get; init; } = "";
        public long AmountFen { get; init; }
        public long BalanceFen { get; init; }
        public string? Reference { get; init; }
        public string? EndToEndId { get; init; }
        public string Counterparty { get; init; } = "";
        public string Memo { get; init; } = "";
        public long? MatchedSeq { get; init; }
        public string? MatchKind { get; init; }
        public DateOnly Date => DateOnly.ParseExact(BookedOn, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }

    private const string LineSelect = """
        SELECT id, account_code, booked_on, amount_fen, balance_fen, reference, end_to_end_id, counterparty, memo, matched_seq, match_kind FROM bank_lines
        """;

    /// <summary>Bank lines by month and status; unmatched lines carry the entries that could explain them (same amount, within the date window).</summary>
    public Task<IReadOnlyList<BankLineView>> LinesAsync(long communityId, string? account, Month? month, string? status, long afterId, int limit) =>
        db.ReadAsync(read => LinesAsync(read, communityId, account, month, status, afterId, limit));

    private static async Task<IReadOnlyList<BankLineView>> LinesAsync(ReadScope read, long communityId, string? account, Month? month, string? status, long afterId, int limit)
    {
        var rows = (await read.QueryAsync<LineRow>($"""
            {LineSelect}
            WHERE community_id = @communityId AND id > @afterId
              {(account is null ? "" : "AND account_code = @account")} {(month is null ? "" : "AND month = @m")}
              {(status switch { "matched" => "AND matched_seq IS NOT NULL", "unmatched" => "AND matched_seq IS NULL", _ => "" })}
            ORDER BY id LIMIT {limit}
            """, new { communityId, afterId, account, m = month?.ToString() })).ToList();
        var matchers = new Dictionary<string, BankMatcher>();
        var views = new List<BankLineView>(rows.Count);
        foreach (var r in rows)
        {
            IReadOnlyList<long> candidates = [];
            if (r.MatchedSeq is null)
            {
                if (!matchers.TryGetValue(r.AccountCode, out var matcher))
                {
                    var taken = await read.QueryAsync<long>(
                        "SELECT matched_seq FROM bank_lines WHERE community_id = @communityId AND account_code = @AccountCode AND matched_seq IS NOT NULL", new { communityId, r.AccountCode });
                    matchers[r.AccountCode] = matcher = new BankMatcher(await MovementsAsync(read, communityId, r.AccountCode), taken);
                }
                candidates = matcher.Candidates(r.Date, r.AmountFen);
            }
            views.Add(ToView(r, candidates));
        }
        return views;
    }

    private static BankLineView ToView(LineRow r, IReadOnlyList<long> candidates) =>
        new(r.Id, r.AccountCode, r.BookedOn, r.AmountFen, r.Reference, r.EndToEndId, r.Counterparty, r.Memo, r.BalanceFen,
            r.MatchedSeq is null ? "unmatched" : "matched", r.MatchedSeq is { } s ? new BankMatchView(s, r.MatchKind!) : null, candidates);

    private static Task<LineRow?> LineAsync(WriteScope scope, long lineId) =>
        scope.QuerySingleOrDefaultAsync<LineRow>($"{LineSelect} WHERE community_id = @Id AND id = @lineId", new { scope.Community.Id, lineId });

    /// <summary>
    /// Staff match a line to entry <paramref name="seq"/> by hand. Fails with not_found (the line or the entry), already_matched (409: the
    /// line, or the entry, is matched already), match_mismatch (the entry does not move this account by the
    /// line's amount in the line's direction).
    /// </summary>
    public async Task<Result<BankLineView>> MatchAsync(WriteScope scope, long lineId, long seq)
    {
        var line = await LineAsync(scope, lineId);
        if (line is null) return Failure.NotFound($"Bank line {lineId}");
        if (line.MatchedSeq is { } already) return Failure.Conflict(BankCodes.AlreadyMatched, $"Bank line {lineId} is matched to entry {already} already.");
        if (await scope.QueryOptionalAsync<long>("SELECT seq FROM entries WHERE community_id = @Id AND seq = @seq", new { scope.Community.Id, seq }) is null)
            return Failure.NotFound($"Entry {seq}");
        var movement = await scope.QuerySingleAsync<long?>("""
            SELECT CAST(SUM(CASE WHEN side = 'D' THEN amount_fen ELSE -amount_fen END) AS BIGINT) FROM entry_lines
            WHERE community_id = @Id AND seq = @seq AND account_code = @AccountCode
            """, new { scope.Community.Id, seq, line.AccountCode }) ?? 0;
        if (movement != line.AmountFen)
            return new Failure(BankCodes.MatchMismatch, movement == 0
                ? $"Entry {seq} does not move account {line.AccountCode}."
                : $"Entry {seq} moves account {line.AccountCode} by {movement} fen; the bank line is {line.AmountFen} fen.");
        var owner = await scope.QueryOptionalAsync<long>(
            "SELECT id FROM bank_lines WHERE community_id = @Id AND account_code = @AccountCode AND matched_seq = @seq", new { scope.Community.Id, line.AccountCode, seq });
        if (owner is { } other) return Failure.Conflict(BankCodes.AlreadyMatched, $"Entry {seq} explains bank line {other} already.");
        await scope.ExecuteAsync("UPDATE bank_lines SET matched_seq = @seq, match_kind = 'manual' WHERE community_id = @Id AND id = @lineId",
            new { scope.Community.Id, seq, lineId });
        await scope.AuditAsync("bank.match", $"bank-line:{lineId}", $"entry {seq}");
        return ToView(new LineRow
        {
            Id = line.Id, AccountCode = line.AccountCode, BookedOn = line.BookedOn, AmountFen = line.AmountFen, BalanceFen = line.BalanceFen,
            Reference = line.Reference, EndToEndId = line.EndToEndId, Counterparty = line.Counterparty, Memo = line.Memo, MatchedSeq = seq, MatchKind = MatchKinds.Manual,
        }, []);
    }

    /// <summary>The payer a bank credit recorded as revenue is published under when staff name none.</summary>
    public const string UnnamedPayer = "银行到账";

    /// <summary>
    /// Records an unmatched bank credit of the common fund's account as public revenue (bank interest,
    /// say) dated as the bank booked it, and matches the line to it. Fails with not_found (the line or the entry), already_matched (409),
    /// bank_line_not_credit, fund_mismatch (not the common fund's account), and the codes of
    /// <see cref="FeeBook.ReceiveAsync"/> (month_closed when the bank's date is in a closed month).
    /// </summary>
    /// <remarks>The bank's counterparty can name a household and stays with staff: the receipt (published in the journal)
    /// names <paramref name="payer"/> as staff give it, or no one in particular.</remarks>
    public async Task<Result<BankLineView>> RecordReceiptAsync(WriteScope scope, long lineId, string source, string memo, string? payer = null)
    {
        var line = await LineAsync(scope, lineId);
        if (line is null) return Failure.NotFound($"Bank line {lineId}");
        if (line.MatchedSeq is { } already) return Failure.Conflict(BankCodes.AlreadyMatched, $"Bank line {lineId} is matched to entry {already} already.");
        if (line.AmountFen <= 0) return new Failure(BankCodes.NotACredit, "Only money the bank received can be recorded as revenue; a debit leaves only through an approved spending request.");
        if (line.AccountCode != BankAccounts.Common) return new Failure(Codes.FundMismatch, "Public revenue goes to the common fund's bank account (1002).");
        var receipt = await fees.ReceiveAsync(scope, source, line.AmountFen, line.Date, payer ?? UnnamedPayer, memo, $"bank-line:{lineId}");
        if (!receipt.Ok) return receipt.Failure!;
        await scope.ExecuteAsync("UPDATE bank_lines SET matched_seq = @Seq, match_kind = 'receipt' WHERE community_id = @Id AND id = @lineId",
            new { scope.Community.Id, receipt.Value!.Seq, lineId });
        await scope.AuditAsync("bank.receipt", $"bank-line:{lineId}", $"{source} entry {receipt.Value.Seq}");
        return ToView(new LineRow
        {
            Id = line.Id, AccountCode = line.AccountCode, BookedOn = line.BookedOn, AmountFen = line.AmountFen, BalanceFen = line.BalanceFen,
            Reference = line.Reference, EndToEndId = line.EndToEndId, Counterparty = line.Counterparty, Memo = line.Memo, MatchedSeq = receipt.Value.Seq, MatchKind = MatchKinds.Receipt,
        }, []);
    }

    // ------------------------------------------------------------------ the month's reconciliation

    private sealed class SignedRow
    {
        public string AccountCode { get; init; } = "";
        public string Month { get; init; } = "";
        public string Body { get; init; } = "";
        public string Hash { get; init; } = "";
        public string? Items { get; init; }
    }

    // Staff see each item's reference and memo; the signed document leaves them out (they can name a household),
    // so they are kept beside it at signing (migration 0024) and never enter its bytes or hash.
    private static readonly JsonSerializerOptions ItemsJson = new(JsonSerializerDefaults.Web);

    /// <summary>The month's reconciliation of the account: the signed document if signed, else built now. Fails with bank_statement_missing when no statement was imported.</summary>
    public Task<Result<ReconciliationView>> ReconciliationAsync(long communityId, Month month, string account) => db.ReadAsync<Result<ReconciliationView>>(async read =>
    {
        var signed = await read.QuerySingleOrDefaultAsync<SignedRow>("""
            SELECT account_code, month, body, hash, items FROM bank_reconciliations WHERE community_id = @communityId AND account_code = @account AND month = @m
            """, new { communityId, account, m = month.ToString() });
        if (signed is not null)
        {
            var view = FromSigned(JsonNode.Parse(signed.Body)!.AsObject());
            // Signed before the items were kept: the items rebuilt now, if they are still exactly the signed ones.
            var items = signed.Items is { } kept ? JsonSerializer.Deserialize<List<ReconcilingItem>>(kept, ItemsJson)!
                : await BuildAsync(read, communityId, month, account) is { Ok: true } rebuilt
                  && rebuilt.Value!.Items.Select(i => (i.Kind, i.Date, i.Amount)).SequenceEqual(view.Items.Select(i => (i.Kind, i.Date, i.Amount))) ? rebuilt.Value.Items
                : view.Items;
            return view with { Items = items };
        }
        var built = await BuildAsync(read, communityId, month, account);
        if (!built.Ok) return built.Failure!;
        var r = built.Value!;
        return new ReconciliationView(r.Month, r.Account, r.BankThrough, r.BankClosing, r.BookClosing, r.Items, r.Unexplained, "draft", null, null, null, null);
    });

    private static ReconciliationView FromSigned(JsonObject d) => new(
        d["month"]!.GetValue<string>(), d["account"]!.GetValue<string>(), d["bankThrough"]!.GetValue<string>(),
        d["bankClosing"]!.GetValue<long>(), d["bookClosing"]!.GetValue<long>(),
        d["items"]!.AsArray().Select(i => new ReconcilingItem(i!["kind"]!.GetValue<string>(), i["date"]!.GetValue<string>(), i["amount"]!.GetValue<long>(), null, "")).ToList(),
        d["unexplained"]!.GetValue<long>(), "signed", d["signedBy"]!.GetValue<string>(), d["signedAt"]!.GetValue<string>(), d["remarks"]!.GetValue<string>(), d["hash"]!.GetValue<string>());

    private static async Task<Result<Reconciliation>> BuildAsync(ReadScope read, long communityId, Month month, string account)
    {
        var end = Dates.Format(month.LastDay);
        var coverage = await read.QuerySingleOrDefaultAsync<(string? From, string? Through)>("""
            SELECT MIN(from_date), MAX(to_date) FROM bank_statements WHERE community_id = @communityId AND account_code = @account
            """, new { communityId, account });
        if (coverage.From is null || string.CompareOrdinal(coverage.From, end) > 0)
            return new Failure(BankCodes.StatementMissing, $"No bank statement of account {account} covers {month} yet; import the bank's statement first.");
        var lines = (await read.QueryAsync<LineRow>($"{LineSelect} WHERE community_id = @communityId AND account_code = @account AND booked_on <= @end ORDER BY id",
            new { communityId, account, end })).ToList();
        // The bank's balance at the month's end: after its last line by then, else the first statement's opening.
        var bankClosing = lines.Count > 0 ? lines[^1].BalanceFen : await read.QuerySingleAsync<long>("""
            SELECT opening_fen FROM bank_statements WHERE community_id = @communityId AND account_code = @account ORDER BY from_date, id LIMIT 1
            """, new { communityId, account });
        var bookClosing = (await BalanceBook.MovementsAsync(read, communityId, null, month)).GetValueOrDefault(account)?.Net ?? 0;
        var movements = await MovementsAsync(read, communityId, account, month.LastDay);
        // The account's owner-specific entries (a line names a unit), whatever their date: a line matched to a later one is an owner's payment too.
        var personal = (await read.QueryAsync<long>("""
            SELECT DISTINCT l.seq FROM entry_lines l WHERE l.community_id = @communityId AND l.unit_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM entry_lines b WHERE b.community_id = l.community_id AND b.seq = l.seq AND b.account_code = @account)
            """, new { communityId, account })).ToHashSet();
        var through = string.CompareOrdinal(coverage.Through, end) < 0 ? coverage.Through! : end;
        return Reconciliation.Build(month, account, through, bankClosing, bookClosing,
            lines.Select(l => new ReconLine(l.Id, l.Date, l.AmountFen, l.Reference, l.Memo, l.MatchedSeq)).ToList(), movements, personal);
    }

    /// <summary>
    /// The supervisor signs the month's reconciliation with remarks; it is frozen and published.
    /// Fails with month_not_closed (the books of the month may still change), bank_statement_missing
    /// (the bank's statements do not reach the month's end), reconciliation_unexplained (a difference no
    /// item explains), already_signed (409), trustee_cannot_approve (403: the signer holds a trustee role here, and the
    /// signature is the supervisor's word that the trustee's books agree with the bank, as on spending requests).
    /// </summary>
    public async Task<Result<ReconciliationView>> SignAsync(WriteScope scope, Month month, string account, string remarks, IReadOnlyList<string> roles)
    {
        if (roles.Contains(Roles.Trustee) || roles.Contains(Roles.TrusteeManager))
            return new Failure(Codes.TrusteeCannotApprove, "Whoever holds a trustee role in this community does not sign its bank reconciliation.", 403);
        var id = scope.Community.Id;
        var m = month.ToString();
        if (await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM bank_reconciliations WHERE community_id = @id AND account_code = @account AND month = @m", new { id, account, m }) > 0)
            return Failure.Conflict(BankCodes.AlreadySigned, $"The reconciliation of {account} for {m} is signed already.");
        if (await scope.QuerySingleAsync<long>("SELECT COUNT(*) FROM closed_months WHERE community_id = @id AND month = @m", new { id, m }) == 0)
            return new Failure(BankCodes.MonthOpen, $"{m} is still open: its books may change. Close the month first.");
        var built = await BuildAsync(scope, id, month, account);
        if (!built.Ok) return built.Failure!;
        var r = built.Value!;
        if (string.CompareOrdinal(r.BankThrough, Dates.Format(month.LastDay)) < 0)
            return new Failure(BankCodes.StatementMissing, $"The bank's statements of {account} reach {r.BankThrough}; import them to the end of {m} first.");
        if (r.Unexplained != 0)
            return new Failure(BankCodes.Unexplained, $"{r.Unexplained} fen of the difference between bank and books is unexplained; match the lines that have candidates first.");
        var signer = await scope.QuerySingleAsync<string>("SELECT display_name FROM users WHERE id = @UserId", new { scope.UserId });
        var doc = r.Publish(scope.Community.Slug, signer, Dates.Instant(scope.Now), remarks);
        await scope.ExecuteAsync("""
            INSERT INTO bank_reconciliations (community_id, account_code, month, body, hash, signed_by, signed_at, items)
            VALUES (@id, @account, @m, @body, @hash, @UserId, @at, @items)
            """, new { id, account, m, body = CanonicalJson.Serialize(doc), hash = doc["hash"]!.GetValue<string>(), scope.UserId, at = Dates.Instant(scope.Now),
                items = JsonSerializer.Serialize(r.Items, ItemsJson) });
        await scope.AuditAsync("bank.reconciliation.sign", $"reconciliation:{account}:{m}", doc["hash"]!.GetValue<string>());
        return FromSigned(doc) with { Items = r.Items };
    }

    /// <summary>The signed reconciliation as published (RFC 8785 JSON), or null.</summary>
    public Task<string?> PublishedAsync(long communityId, Month month, string account) => db.ReadAsync(read =>
        read.QuerySingleOrDefaultAsync<string>(
            "SELECT body FROM bank_reconciliations WHERE community_id = @communityId AND account_code = @account AND month = @m",
            new { communityId, account, m = month.ToString() }));

    /// <summary>Every signed reconciliation of the community, oldest first.</summary>
    public Task<IReadOnlyList<SignedReconciliation>> SignedAsync(long communityId) => db.ReadAsync<IReadOnlyList<SignedReconciliation>>(async read =>
    {
        var rows = await read.QueryAsync<SignedRow>(
            "SELECT account_code, month, body, hash FROM bank_reconciliations WHERE community_id = @communityId ORDER BY month, account_code", new { communityId });
        return rows.Select(r =>
        {
            var d = JsonNode.Parse(r.Body)!.AsObject();
            return new SignedReconciliation(r.Month, r.AccountCode, d["bankClosing"]!.GetValue<long>(), d["bookClosing"]!.GetValue<long>(),
                d["items"]!.AsArray().Sum(i => i!["ownerPayments"]?.GetValue<int>() ?? 1), d["unexplained"]!.GetValue<long>(), r.Hash);
        }).ToList();
    });
}
