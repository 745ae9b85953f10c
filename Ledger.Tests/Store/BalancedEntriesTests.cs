using Dapper;
using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;
using Npgsql;

namespace Ledger.Tests.Store;

/// <summary>
/// Guarantee 1 kept by PostgreSQL itself (migrations 0010, 0015, 0016, 0018, 0019, 0021, 0022): entries written with raw SQL, past the
/// application's checks, are refused at commit when they have fewer than two lines, a line in
/// another fund, or debits that differ from credits; a balanced one goes through. SQLite has no
/// deferred triggers and keeps the application check (EntryRules, tested through the API on both engines).
/// </summary>
public sealed class PostgresBalancedEntriesTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private LedgerApp App => fixture.App;
    private LedgerDatabase Db => App.Service<LedgerDatabase>();

    private const string InsertEntry = """
        INSERT INTO entries (community_id, seq, entry_date, month, memo, fund, kind, personal, entry_hash, chain_hash, created_at)
        VALUES (@Id, @Seq, '2026-10-05', '2026-10', 'written past the application', @Fund, 'manual', FALSE, @Hash, @Hash, '2026-11-21T00:00:00.000Z')
        """;
    private const string InsertLine = """
        INSERT INTO entry_lines (community_id, seq, line_no, account_code, side, amount_fen)
        VALUES (@Id, @Seq, @LineNo, @Account, @Side, @Amount)
        """;

    public sealed record Line(string Account, char Side, long Amount);

    private async Task<long> CommunityIdAsync()
    {
        var slug = await App.CommunityAsync();
        return (await App.Service<CommunityBook>().FindAsync(slug))!.Id;
    }

    /// <summary>Writes one entry and its lines in one transaction, statement by statement; returns the commit's error, if any.</summary>
    private async Task<PostgresException?> TryCommitEntryAsync(long id, long seq, string fund, params Line[] lines)
    {
        await using var connection = await Db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(InsertEntry, new { Id = id, Seq = seq, Fund = fund, Hash = new string('a', 64) }, tx);
        for (var i = 0; i < lines.Length; i++)
            await connection.ExecuteAsync(InsertLine, new { Id = id, Seq = seq, LineNo = i + 1, lines[i].Account, Side = lines[i].Side.ToString(), lines[i].Amount }, tx);
        return await TryCommitAsync(tx);
    }

    /// <summary>Commits; returns the error the database refused it with, if any.</summary>
    private static async Task<PostgresException?> TryCommitAsync(System.Data.Common.DbTransaction tx)
    {
        try { await tx.CommitAsync(); return null; }
        catch (PostgresException e) { return e; }
    }

    private async Task<long> EntryCountAsync(long id)
    {
        await using var connection = await Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM entries WHERE community_id = @id", new { id });
    }

    public static TheoryData<string, string, Line[]> Broken => new()
    {
        { "no lines", "entry_unbalanced", [] },
        { "one line", "entry_unbalanced", [new Line("1002", 'D', 100)] },
        { "two debits", "entry_unbalanced", [new Line("1002", 'D', 100), new Line("6103", 'D', 100)] },
        { "off by a fen", "entry_unbalanced", [new Line("1002", 'D', 100), new Line("5201", 'C', 99)] },
        { "half in another fund", "fund_mismatch", [new Line("1002", 'D', 100), new Line("5301", 'C', 100)] },
    };

    [SkippableTheory]
    [MemberData(nameof(Broken))]
    public async Task Database_refuses_at_commit_an_entry_that_does_not_balance(string what, string code, Line[] lines)
    {
        var id = await CommunityIdAsync();
        var error = await TryCommitEntryAsync(id, 1, "common", lines);
        Assert.True(error is not null, $"{what}: the commit went through");
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.StartsWith(code + ":", error.MessageText);
        Assert.Equal(0, await EntryCountAsync(id));
    }

    [SkippableFact]
    public async Task Database_refuses_debits_and_credits_that_balance_only_across_funds()
    {
        var id = await CommunityIdAsync();
        // Each fund's own lines differ; the entry's totals agree. Per fund is what counts.
        var error = await TryCommitEntryAsync(id, 1, "maintenance",
            new Line("1003", 'D', 100), new Line("5301", 'C', 50), new Line("6103", 'C', 50));
        Assert.NotNull(error);
        Assert.Equal(0, await EntryCountAsync(id));
    }

    [SkippableFact]
    public async Task Database_accepts_a_balanced_entry_whose_lines_come_after_it_in_the_transaction()
    {
        var id = await CommunityIdAsync();
        var error = await TryCommitEntryAsync(id, 1, "common",
            new Line("1002", 'D', 100), new Line("5201", 'C', 60), new Line("5202", 'C', 40));
        Assert.Null(error);
        Assert.Equal(1, await EntryCountAsync(id));
    }

    [SkippableFact]
    public async Task Database_refuses_a_line_added_later_to_a_committed_entry()
    {
        var id = await CommunityIdAsync();
        Assert.Null(await TryCommitEntryAsync(id, 1, "common", new Line("1002", 'D', 100), new Line("5201", 'C', 100)));
        await using var connection = await Db.OpenAsync();
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(InsertLine,
            new { Id = id, Seq = 1L, LineNo = 3, Account = "1002", Side = "D", Amount = 1L }));
        Assert.StartsWith("entry_unbalanced:", error.MessageText);
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM entry_lines WHERE community_id = @id", new { id }));
    }

    /// <summary>
    /// Migration 0016 checks at commit every entry a statement touched, once per transaction: entries and lines
    /// written many to a statement (as COPY and the billing run do) are each checked, the first bad one is named,
    /// nothing is kept, and the queue of touched entries is empty once the transaction is over.
    /// </summary>
    [SkippableTheory]
    [InlineData(1, "entry_unbalanced: entry 1 ")]
    [InlineData(37, "entry_unbalanced: entry 37 ")]
    [InlineData(0, null)]
    public async Task Database_checks_each_entry_of_a_statement_that_writes_many(int badSeq, string? message)
    {
        var id = await CommunityIdAsync();
        const int count = 50;
        var seqs = Enumerable.Range(1, count).Select(i => (long)i).ToArray();
        await using var connection = await Db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO entries (community_id, seq, entry_date, month, memo, fund, kind, personal, entry_hash, chain_hash, created_at)
            SELECT @Id, s, '2026-10-05', '2026-10', 'many at once', 'common', 'manual', FALSE, @Hash, @Hash, '2026-11-21T00:00:00.000Z' FROM unnest(@Seqs) AS s
            """, new { Id = id, Seqs = seqs, Hash = new string('a', 64) }, tx);
        await connection.ExecuteAsync("""
            INSERT INTO entry_lines (community_id, seq, line_no, account_code, side, amount_fen)
            SELECT @Id, s, n, CASE n WHEN 1 THEN '1002' ELSE '5201' END, CASE n WHEN 1 THEN 'D' ELSE 'C' END,
                   CASE WHEN n = 2 AND s = @Bad THEN 99 ELSE 100 END
            FROM unnest(@Seqs) AS s, generate_series(1, 2) AS n
            """, new { Id = id, Seqs = seqs, Bad = (long)badSeq }, tx);
        var error = await TryCommitAsync(tx);
        if (message is null)
        {
            Assert.Null(error);
            Assert.Equal(count, await EntryCountAsync(id));
        }
        else
        {
            Assert.NotNull(error);
            Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
            Assert.StartsWith(message, error.MessageText);
            Assert.Equal(0, await EntryCountAsync(id));
        }
        await using var other = await Db.OpenAsync();
        Assert.Equal(0, await other.ExecuteScalarAsync<long>("SELECT count(*) FROM entry_checks"));
    }

    /// <summary>
    /// Migration 0022 checks a range of 32 entries or more in sets (the range's entries and its lines read once each
    /// and compared in a FULL JOIN) where a shorter one is checked entry by entry: every rule is still found in a
    /// 50-entry statement, named with the short path's message and SQLSTATE, and nothing is kept. With two faults
    /// in the range, the entry's is named before a line without an entry, as on the short path.
    /// </summary>
    [SkippableTheory]
    [InlineData("no lines", "entry_unbalanced: entry 20 of community {0} has 0 line(s)", PostgresErrorCodes.CheckViolation)]
    [InlineData("one line", "entry_unbalanced: entry 20 of community {0} has 1 line(s)", PostgresErrorCodes.CheckViolation)]
    [InlineData("off by a fen", "entry_unbalanced: entry 20 of community {0}: debits differ", PostgresErrorCodes.CheckViolation)]
    [InlineData("line in another fund", "fund_mismatch: entry 20 of community {0} is in the common fund but has a line in the maintenance fund", PostgresErrorCodes.CheckViolation)]
    [InlineData("unknown account", "reference_missing: a line of entry 20 of community {0} names account 9999", PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData("unknown unit", "reference_missing: a line of entry 20 of community {0} names unit 987654", PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData("unknown fund", "reference_missing: entry 20 of community {0} is in fund nofund", PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData("reversal of nothing", "reference_missing: entry 20 of community {0} reverses entry 777", PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData("line without an entry", "reference_missing: line 1 of entry 30 of community {0} has no entry", PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData("line without an entry before a bad entry", "entry_unbalanced: entry 40 of community {0}: debits differ", PostgresErrorCodes.CheckViolation)]
    [InlineData("none", null, null)]
    public async Task Database_checks_a_long_range_in_sets(string fault, string? message, string? sqlState)
    {
        var id = await CommunityIdAsync();
        long At(string f, long seq) => fault == f ? seq : 0;
        // Entries 1..50 and two lines each (1002 D 100, 5201 C 100), in one statement each, with the one fault.
        var skipEntry = At("line without an entry", 30) + At("line without an entry before a bad entry", 10);
        var entrySeqs = Enumerable.Range(1, 50).Select(i => (long)i).Where(s => s != skipEntry).ToArray();
        var lineSeqs = Enumerable.Range(1, 50).Select(i => (long)i).Where(s => s != At("no lines", 20)).ToArray();
        var args = new
        {
            Id = id, EntrySeqs = entrySeqs, LineSeqs = lineSeqs, Hash = new string('a', 64),
            FundSeq = At("unknown fund", 20), RevSeq = At("reversal of nothing", 20), OneLineSeq = At("one line", 20),
            ShortSeq = At("off by a fen", 20) + At("line without an entry before a bad entry", 40),
            AccountSeq = At("line in another fund", 20) + At("unknown account", 20), Account = fault == "unknown account" ? "9999" : "5301",
            UnitSeq = At("unknown unit", 20),
        };
        await using var connection = await Db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO entries (community_id, seq, entry_date, month, memo, fund, kind, reverses_seq, personal, entry_hash, chain_hash, created_at)
            SELECT @Id, s, '2026-10-05', '2026-10', 'many at once', CASE WHEN s = @FundSeq THEN 'nofund' ELSE 'common' END,
                   CASE WHEN s = @RevSeq THEN 'reversal' ELSE 'manual' END, CASE WHEN s = @RevSeq THEN 777 END,
                   FALSE, @Hash, @Hash, '2026-11-21T00:00:00.000Z'
            FROM unnest(@EntrySeqs) AS s
            """, args, tx);
        await connection.ExecuteAsync("""
            INSERT INTO entry_lines (community_id, seq, line_no, account_code, side, amount_fen, unit_id)
            SELECT @Id, s, n, CASE WHEN n = 1 THEN '1002' WHEN s = @AccountSeq THEN @Account ELSE '5201' END,
                   CASE n WHEN 1 THEN 'D' ELSE 'C' END, CASE WHEN n = 2 AND s = @ShortSeq THEN 99 ELSE 100 END,
                   CASE WHEN n = 2 AND s = @UnitSeq THEN 987654 END
            FROM unnest(@LineSeqs) AS s, generate_series(1, 2) AS n
            WHERE NOT (n = 2 AND s = @OneLineSeq)
            """, args, tx);
        var error = await TryCommitAsync(tx);
        if (message is null)
        {
            Assert.Null(error);
            Assert.Equal(50, await EntryCountAsync(id));
            return;
        }
        Assert.True(error is not null, $"{fault}: the commit went through");
        Assert.Equal(sqlState, error.SqlState);
        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, id), error.MessageText);
        Assert.Equal(0, await EntryCountAsync(id));
    }

    /// <summary>
    /// A line whose entry does not exist is refused at commit on the short path too (a posting's range, fewer than 32
    /// entries, where migration 0021 compares the range's distinct line sequence numbers with its entries, as 0022
    /// keeps it): after a good entry, alone, and, with a bad entry in the same range, named after that entry's fault.
    /// Nothing is kept.
    /// </summary>
    [SkippableTheory]
    [InlineData("after a good entry", "reference_missing: line 1 of entry 2 of community {0} has no entry", PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData("alone", "reference_missing: line 1 of entry 1 of community {0} has no entry", PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData("before a bad entry", "entry_unbalanced: entry 2 of community {0}: debits differ", PostgresErrorCodes.CheckViolation)]
    public async Task Database_refuses_a_line_without_an_entry_in_a_short_range(string where, string message, string sqlState)
    {
        var id = await CommunityIdAsync();
        await using var connection = await Db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        // The entry whose line is left alone: entry 2 after a good entry 1, entry 1 alone or before a bad entry 2.
        // All the lines in one statement, so the range is one and the short path sees both faults together.
        var orphan = where == "after a good entry" ? 2L : 1L;
        var entry = where == "after a good entry" ? 1L : where == "before a bad entry" ? 2L : 0L;
        var lines = new List<(long Seq, int LineNo, string Account, string Side, long Amount)> { (orphan, 1, "1002", "D", 100) };
        if (entry > 0)
        {
            await connection.ExecuteAsync(InsertEntry, new { Id = id, Seq = entry, Fund = "common", Hash = new string('a', 64) }, tx);
            lines.Add((entry, 1, "1002", "D", 100));
            lines.Add((entry, 2, "5201", "C", where == "before a bad entry" ? 99 : 100));
        }
        await connection.ExecuteAsync("""
            INSERT INTO entry_lines (community_id, seq, line_no, account_code, side, amount_fen)
            SELECT @Id, s, n, a, d, m FROM unnest(@Seqs, @Nos, @Accounts, @Sides, @Amounts) AS v (s, n, a, d, m)
            """, new
        {
            Id = id, Seqs = lines.Select(l => l.Seq).ToArray(), Nos = lines.Select(l => l.LineNo).ToArray(),
            Accounts = lines.Select(l => l.Account).ToArray(), Sides = lines.Select(l => l.Side).ToArray(), Amounts = lines.Select(l => l.Amount).ToArray(),
        }, tx);
        var error = await TryCommitAsync(tx);
        Assert.True(error is not null, $"{where}: the commit went through");
        Assert.Equal(sqlState, error.SqlState);
        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, id), error.MessageText);
        Assert.Equal(0, await EntryCountAsync(id));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM entry_lines WHERE community_id = @id", new { id }));
    }

    /// <summary>
    /// Migration 0019 checks each range of entries a transaction queued on its own (a statement per range, in two
    /// communities here): a bad entry in a later range, or in another community, is still found and named.
    /// </summary>
    [SkippableTheory]
    [InlineData(false, 10L, "entry_unbalanced: entry 10 ")]
    [InlineData(true, 2L, "entry_unbalanced: entry 2 ")]
    [InlineData(false, 0L, null)]
    public async Task Database_checks_every_range_a_transaction_queued(bool inOther, long badSeq, string? message)
    {
        var id = await CommunityIdAsync();
        var other = await CommunityIdAsync();
        await using var connection = await Db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        async Task WriteAsync(long community, long seq, long credit)
        {
            await connection.ExecuteAsync(InsertEntry, new { Id = community, Seq = seq, Fund = "common", Hash = new string('a', 64) }, tx);
            await connection.ExecuteAsync(InsertLine, new { Id = community, Seq = seq, LineNo = 1, Account = "1002", Side = "D", Amount = 100L }, tx);
            await connection.ExecuteAsync(InsertLine, new { Id = community, Seq = seq, LineNo = 2, Account = "5201", Side = "C", Amount = credit }, tx);
        }
        foreach (var seq in new long[] { 1, 2, 10 })
            await WriteAsync(id, seq, !inOther && seq == badSeq ? 99 : 100);
        foreach (var seq in new long[] { 1, 2 })
            await WriteAsync(other, seq, inOther && seq == badSeq ? 99 : 100);
        var error = await TryCommitAsync(tx);
        if (message is null)
        {
            Assert.Null(error);
            Assert.Equal(3, await EntryCountAsync(id));
            return;
        }
        Assert.NotNull(error);
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.StartsWith(message + $"of community {(inOther ? other : id)}", error.MessageText);
        Assert.Equal(0, await EntryCountAsync(id));
        Assert.Equal(0, await EntryCountAsync(other));
    }

    /// <summary>Migration 0019 made the one-reversal rule a partial unique index: a second reversal of an entry is still refused.</summary>
    [SkippableFact]
    public async Task Database_refuses_a_second_reversal_of_an_entry()
    {
        var id = await CommunityIdAsync();
        Assert.Null(await TryCommitEntryAsync(id, 1, "common", new Line("1002", 'D', 100), new Line("5201", 'C', 100)));
        const string Reversal = """
            INSERT INTO entries (community_id, seq, entry_date, month, memo, fund, kind, reverses_seq, personal, entry_hash, chain_hash, created_at)
            VALUES (@id, @seq, '2026-10-06', '2026-10', 'reversal', 'common', 'reversal', 1, FALSE, @Hash, @Hash, '2026-11-21T00:00:00.000Z')
            """;
        await using var connection = await Db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(Reversal, new { id, seq = 2L, Hash = new string('a', 64) }, tx);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(Reversal, new { id, seq = 3L, Hash = new string('a', 64) }, tx));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
    }

    [SkippableFact]
    public async Task Database_refuses_a_statement_that_writes_entries_into_a_closed_month_among_open_ones()
    {
        var id = await CommunityIdAsync();
        Assert.Null(await TryCommitEntryAsync(id, 1, "common", new Line("1002", 'D', 100), new Line("5201", 'C', 100)));
        await using var connection = await Db.OpenAsync();
        await connection.ExecuteAsync("INSERT INTO closed_months (community_id, month, closed_at, seq, chain_hash) VALUES (@id, '2026-09', '2026-10-02T00:00:00.000Z', 1, @Hash)",
            new { id, Hash = new string('a', 64) });
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("""
            INSERT INTO entries (community_id, seq, entry_date, month, memo, fund, kind, personal, entry_hash, chain_hash, created_at)
            VALUES (@id, 2, '2026-10-05', '2026-10', 'open', 'common', 'manual', FALSE, @Hash, @Hash, '2026-11-21T00:00:00.000Z'),
                   (@id, 3, '2026-09-30', '2026-09', 'closed', 'common', 'manual', FALSE, @Hash, @Hash, '2026-11-21T00:00:00.000Z')
            """, new { id, Hash = new string('a', 64) }));
        Assert.StartsWith("month_closed:", error.MessageText);
        Assert.Equal(1, await EntryCountAsync(id));
    }

    [SkippableFact]
    public async Task Entries_posted_through_the_api_still_commit()
    {
        var slug = await App.CommunityAsync();
        var api = await App.UserAsync(slug, "trustee_manager");
        await (await api.PostAsync($"/api/v1/communities/{slug}/entries", new
        {
            date = "2026-10-01", memo = "停车收入", fund = "common",
            lines = new object[] { new { account = "1002", debit = 300 }, new { account = "5201", credit = 200 }, new { account = "5202", credit = 100 } },
        })).AssertStatus(201);
        var community = (await App.Service<CommunityBook>().FindAsync(slug))!;
        Assert.True((await App.Service<Integrity>().CheckAsync(community)).Ok);
    }
}
