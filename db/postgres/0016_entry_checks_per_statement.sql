-- Issue 18: the journal's database checks once per statement instead of once per row, same rules and
-- messages. A 2,000-entry billing run fired 2,000 closed-month triggers while copying the entries and
-- 6,000 deferred balanced-entry triggers at commit (one per entry and one per line, 0010/0015), each a
-- plpgsql call with its own query. Now:
--  * closed months: one check per INSERT/COPY statement over the rows it inserted (a transition table),
--    after the statement instead of before each row; the statement fails with the same message;
--  * balanced entries: each statement that inserts entries or lines queues which entries it touched
--    (one row per community: the first and last sequence number) in entry_checks; a deferred constraint
--    trigger on that table runs at commit, once for the whole transaction, and checks every queued entry
--    in one query (at least two lines, every line in the entry's fund, debits equal to credits), then
--    removes the queue rows. A line added to an entry committed earlier queues that entry too, so it is
--    still re-checked at commit, as before. entry_checks is empty outside running transactions.
-- SQLite keeps its application check (EntryRules) and its own closed-month trigger; no 0016 file there.

DROP TRIGGER entries_closed_month ON entries;

CREATE FUNCTION ledger_refuse_closed_months() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n JOIN closed_months c ON c.community_id = n.community_id AND c.month = n.month) THEN
        RAISE EXCEPTION 'month_closed: the month of this entry is closed' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER entries_closed_month AFTER INSERT ON entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_closed_months();

DROP TRIGGER entries_balanced ON entries;
DROP TRIGGER entry_lines_balanced ON entry_lines;

CREATE TABLE entry_checks (
    xact         XID8   NOT NULL DEFAULT pg_current_xact_id(),
    community_id BIGINT NOT NULL,
    first_seq    BIGINT NOT NULL,
    last_seq     BIGINT NOT NULL
);

CREATE FUNCTION ledger_queue_entry_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entry_checks (community_id, first_seq, last_seq)
    SELECT community_id, min(seq), max(seq) FROM new_rows GROUP BY community_id;
    RETURN NULL;
END $$;

CREATE TRIGGER entries_queue_check AFTER INSERT ON entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_queue_entry_check();
CREATE TRIGGER entry_lines_queue_check AFTER INSERT ON entry_lines REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_queue_entry_check();

-- At commit: the first queue row's trigger checks everything this transaction queued and empties its queue;
-- the triggers of its other queue rows find nothing left.
CREATE FUNCTION ledger_check_queued_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad RECORD;
BEGIN
    WITH mine AS (
        DELETE FROM entry_checks WHERE xact = pg_current_xact_id() RETURNING community_id, first_seq, last_seq
    ), queued AS (
        SELECT DISTINCT m.community_id, s.seq FROM mine m, generate_series(m.first_seq, m.last_seq) AS s (seq)
    )
    SELECT e.community_id, e.seq, e.fund, count(l.seq) AS line_count,
           min(a.fund) FILTER (WHERE a.fund <> e.fund) AS other_fund,
           sum(CASE WHEN l.side = 'D' THEN l.amount_fen ELSE -l.amount_fen END) AS net
      INTO bad
      FROM queued q
      JOIN entries e ON e.community_id = q.community_id AND e.seq = q.seq
      LEFT JOIN entry_lines l ON l.community_id = e.community_id AND l.seq = e.seq
      LEFT JOIN accounts a ON a.community_id = l.community_id AND a.code = l.account_code
     GROUP BY e.community_id, e.seq, e.fund
    HAVING count(l.seq) < 2
        OR min(a.fund) FILTER (WHERE a.fund <> e.fund) IS NOT NULL
        OR sum(CASE WHEN l.side = 'D' THEN l.amount_fen ELSE -l.amount_fen END) <> 0
     ORDER BY e.community_id, e.seq
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF bad.line_count < 2 THEN
        RAISE EXCEPTION 'entry_unbalanced: entry % of community % has % line(s); an entry has two or more',
            bad.seq, bad.community_id, bad.line_count USING ERRCODE = 'check_violation';
    END IF;
    IF bad.other_fund IS NOT NULL THEN
        RAISE EXCEPTION 'fund_mismatch: entry % of community % is in the % fund but has a line in the % fund',
            bad.seq, bad.community_id, bad.fund, bad.other_fund USING ERRCODE = 'check_violation';
    END IF;
    RAISE EXCEPTION 'entry_unbalanced: entry % of community %: debits differ from credits in the % fund',
        bad.seq, bad.community_id, bad.fund USING ERRCODE = 'check_violation';
END $$;

CREATE CONSTRAINT TRIGGER entry_checks_at_commit AFTER INSERT ON entry_checks
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_queued_entries();
