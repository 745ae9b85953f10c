-- Issue 18: the journal's commit-time check and a billing run's inserts at a cost that follows the rows
-- written, not the community's history. Same rules, same messages.
--
-- 1. The commit-time check of 0016 joined the queued sequence numbers to entries and lines by equality. With
--    statistics on a grown journal the planner chose a merge join that read the community's whole
--    entries_pkey from its first entry (auto_explain on a 66,000-entry community: 66,000 rows read for a
--    2,000-entry billing run, 55 ms of an 81 ms check). The plan hangs on the queue table's row estimate
--    (1 row: nested loops; 7 rows, times generate_series' default 1,000: the merge join), so a single posting
--    could draw it too (on a 161,000-entry community one drew nested loops: 7 ms commits either way). Now each
--    queued range is read from entries by its range, each of its entries' lines by that entry's key in a
--    LATERAL aggregate, and each line's account by its key in a scalar subquery, none of which the planner can
--    turn into a join over more rows than the entry's own, whatever its estimates (freshly written rows are
--    past the statistics, so a range of 2,000 is estimated at 1 row; a version stating the range on lines too
--    read 4,000 lines per entry under that estimate, and a join to accounts read the community's whole chart
--    per entry).
-- 2. Foreign keys implied by others are dropped: entries(community_id) -> communities is implied by
--    entries(community_id, fund) -> funds(community_id, code) and funds(community_id) -> communities;
--    bills(community_id) and payments(community_id) -> communities by their (community_id, unit_id) -> units and
--    units(community_id) -> communities. Each was a row-level check taking a key-share lock per row written
--    (4,000 per 2,000-unit billing run); the community still has to exist through the keys that remain.
-- 3. entries(community_id, reverses_seq) is unique among reversals only (NULLs never collided): a partial
--    index, so the 99% of entries that reverse nothing add no key to it. Lookups by reverses_seq = x imply
--    reverses_seq IS NOT NULL and use it.

CREATE OR REPLACE FUNCTION ledger_check_queued_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    q RECORD;
    bad RECORD;
BEGIN
    FOR q IN
        WITH mine AS (
            DELETE FROM entry_checks WHERE xact = pg_current_xact_id() RETURNING community_id, first_seq, last_seq
        )
        SELECT community_id, first_seq, last_seq FROM mine ORDER BY community_id, first_seq
    LOOP
        SELECT e.seq, e.fund, x.line_count, x.other_fund
          INTO bad
          FROM entries e
         CROSS JOIN LATERAL (
                SELECT count(*) AS line_count, min(ll.fund) FILTER (WHERE ll.fund <> e.fund) AS other_fund,
                       sum(CASE WHEN ll.side = 'D' THEN ll.amount_fen ELSE -ll.amount_fen END) AS net
                  FROM (SELECT l.side, l.amount_fen,
                               (SELECT a.fund FROM accounts a WHERE a.community_id = l.community_id AND a.code = l.account_code) AS fund
                          FROM entry_lines l
                         WHERE l.community_id = e.community_id AND l.seq = e.seq) ll) x
         WHERE e.community_id = q.community_id AND e.seq BETWEEN q.first_seq AND q.last_seq
           AND (x.line_count < 2 OR x.other_fund IS NOT NULL OR x.net <> 0)
         ORDER BY e.seq
         LIMIT 1;
        IF FOUND THEN
            IF bad.line_count < 2 THEN
                RAISE EXCEPTION 'entry_unbalanced: entry % of community % has % line(s); an entry has two or more',
                    bad.seq, q.community_id, bad.line_count USING ERRCODE = 'check_violation';
            END IF;
            IF bad.other_fund IS NOT NULL THEN
                RAISE EXCEPTION 'fund_mismatch: entry % of community % is in the % fund but has a line in the % fund',
                    bad.seq, q.community_id, bad.fund, bad.other_fund USING ERRCODE = 'check_violation';
            END IF;
            RAISE EXCEPTION 'entry_unbalanced: entry % of community %: debits differ from credits in the % fund',
                bad.seq, q.community_id, bad.fund USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

ALTER TABLE entries DROP CONSTRAINT entries_community_id_fkey;
ALTER TABLE bills DROP CONSTRAINT bills_community_id_fkey;
ALTER TABLE payments DROP CONSTRAINT payments_community_id_fkey;

ALTER TABLE entries DROP CONSTRAINT entries_community_id_reverses_seq_key;
CREATE UNIQUE INDEX entries_reversed_once ON entries (community_id, reverses_seq) WHERE reverses_seq IS NOT NULL;
