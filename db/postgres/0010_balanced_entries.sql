-- Guarantee 1 kept by PostgreSQL itself, whoever writes (pgledger and TigerBeetle keep their books
-- balanced in the store, not only in the application). A deferred constraint trigger checks each
-- entry at commit, when all its lines are in: at least two lines, every line's account in the
-- entry's fund, and debits equal to credits in each fund. Inserting a line into an entry that
-- is already committed re-checks that entry too, so a stray line cannot unbalance it either.
-- Entries have a handful of lines and the checks read them by primary key: no hot spot.
-- SQLite keeps its application check (EntryRules) and has no 0010 file.

CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry_fund  TEXT;
    line_count  BIGINT;
    other_fund  TEXT;
    bad_fund    TEXT;
BEGIN
    SELECT e.fund INTO entry_fund FROM entries e WHERE e.community_id = NEW.community_id AND e.seq = NEW.seq;
    SELECT count(*) INTO line_count FROM entry_lines l WHERE l.community_id = NEW.community_id AND l.seq = NEW.seq;
    IF line_count < 2 THEN
        RAISE EXCEPTION 'entry_unbalanced: entry % of community % has % line(s); an entry has two or more',
            NEW.seq, NEW.community_id, line_count USING ERRCODE = 'check_violation';
    END IF;
    SELECT a.fund INTO other_fund
        FROM entry_lines l JOIN accounts a ON a.community_id = l.community_id AND a.code = l.account_code
        WHERE l.community_id = NEW.community_id AND l.seq = NEW.seq AND a.fund <> entry_fund
        LIMIT 1;
    IF other_fund IS NOT NULL THEN
        RAISE EXCEPTION 'fund_mismatch: entry % of community % is in the % fund but has a line in the % fund',
            NEW.seq, NEW.community_id, entry_fund, other_fund USING ERRCODE = 'check_violation';
    END IF;
    SELECT a.fund INTO bad_fund
        FROM entry_lines l JOIN accounts a ON a.community_id = l.community_id AND a.code = l.account_code
        WHERE l.community_id = NEW.community_id AND l.seq = NEW.seq
        GROUP BY a.fund
        HAVING sum(CASE WHEN l.side = 'D' THEN l.amount_fen ELSE -l.amount_fen END) <> 0
        LIMIT 1;
    IF bad_fund IS NOT NULL THEN
        RAISE EXCEPTION 'entry_unbalanced: entry % of community %: debits differ from credits in the % fund',
            NEW.seq, NEW.community_id, bad_fund USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER entries_balanced AFTER INSERT ON entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
CREATE CONSTRAINT TRIGGER entry_lines_balanced AFTER INSERT ON entry_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
