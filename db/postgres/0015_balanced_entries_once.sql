-- Issue 18: the balanced-entry check of migration 0010, same rules and messages, at a third of the cost.
-- 0010 ran four queries for every inserted entry and again for each of its lines, so an entry of two
-- lines was checked three times at commit (a 2,000-entry billing run: 6,000 checks, 24,000 queries).
-- Now:
--  * one query per check: the line count, a line in another fund and the signed sum come from one
--    aggregate (when every line is in the entry's fund, "balanced in each fund" is "the sum is zero");
--  * a line whose entry was inserted by the same transaction is not checked on its own: that entry's
--    own deferred check runs at the same commit and sees all its lines. A line added to an entry
--    committed earlier (another transaction wrote it) is still checked, as before.
-- SQLite keeps its application check (EntryRules) and has no 0010 or 0015 file.

CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry_fund  TEXT;
    line_count  BIGINT;
    other_fund  TEXT;
    net         NUMERIC;
BEGIN
    IF TG_TABLE_NAME = 'entry_lines' AND EXISTS (
        SELECT 1 FROM entries e
        WHERE e.community_id = NEW.community_id AND e.seq = NEW.seq AND e.xmin = pg_current_xact_id()::xid) THEN
        RETURN NULL; -- the entry is new in this transaction: its own check covers this line
    END IF;
    SELECT e.fund, count(l.seq),
           min(a.fund) FILTER (WHERE a.fund <> e.fund),
           sum(CASE WHEN l.side = 'D' THEN l.amount_fen ELSE -l.amount_fen END)
      INTO entry_fund, line_count, other_fund, net
      FROM entries e
      LEFT JOIN entry_lines l ON l.community_id = e.community_id AND l.seq = e.seq
      LEFT JOIN accounts a ON a.community_id = l.community_id AND a.code = l.account_code
     WHERE e.community_id = NEW.community_id AND e.seq = NEW.seq
     GROUP BY e.fund;
    IF line_count IS NULL OR line_count < 2 THEN
        RAISE EXCEPTION 'entry_unbalanced: entry % of community % has % line(s); an entry has two or more',
            NEW.seq, NEW.community_id, COALESCE(line_count, 0) USING ERRCODE = 'check_violation';
    END IF;
    IF other_fund IS NOT NULL THEN
        RAISE EXCEPTION 'fund_mismatch: entry % of community % is in the % fund but has a line in the % fund',
            NEW.seq, NEW.community_id, entry_fund, other_fund USING ERRCODE = 'check_violation';
    END IF;
    IF net <> 0 THEN
        RAISE EXCEPTION 'entry_unbalanced: entry % of community %: debits differ from credits in the % fund',
            NEW.seq, NEW.community_id, entry_fund USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
