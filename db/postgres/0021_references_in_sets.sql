-- Issue 18: the references of the rows a billing run writes in bulk checked in sets, not once per row.
--
-- A foreign key is a row-level trigger: each row written queues an event, and at the statement's end each event
-- runs its own lookup of the referenced row. A 2,000-unit billing run writes 2,000 entries, 4,000 lines and 2,000
-- bills, so 18,000 such lookups (entry -> fund and reversed entry; line -> entry, account and unit; bill -> entry,
-- unit and late-fee bill): about 45 ms of the run's COPYs in pg_stat_statements, more with the trigger events.
-- With the checks below, the warm billing bench went from 204 to 125-145 ms (bench/README.md, 2026-11-30).
--
-- The same references are now checked in sets: entries' and lines' at commit by the commit-time check, bills'
-- by one AFTER INSERT trigger per statement over its new rows. A transaction that names a missing row fails
-- with SQLSTATE 23503 (foreign_key_violation) as before, and a message that names the row and what it points at.
--
-- What a foreign key also did, on the other side, is kept by refusing the changes that could break a reference:
-- units, accounts, funds and bills are never deleted or truncated and their keys never change (the service
-- never does either; now the database refuses it), entries and lines were already immutable, and the columns of
-- a bill that point elsewhere never change. Without deletes there is no race for a row-level lock to close: a
-- row a check has seen stays. Other tables keep their foreign keys (payments, settlements and the rest write a
-- few rows per transaction). SQLite keeps its foreign keys; they cost it little.

ALTER TABLE entries DROP CONSTRAINT entries_community_id_fund_fkey;
ALTER TABLE entries DROP CONSTRAINT entries_community_id_reverses_seq_fkey;
ALTER TABLE entry_lines DROP CONSTRAINT entry_lines_community_id_seq_fkey;
ALTER TABLE entry_lines DROP CONSTRAINT entry_lines_community_id_account_code_fkey;
ALTER TABLE entry_lines DROP CONSTRAINT entry_lines_community_id_unit_id_fkey;
ALTER TABLE bills DROP CONSTRAINT bills_community_id_seq_fkey;
ALTER TABLE bills DROP CONSTRAINT bills_community_id_unit_id_fkey;
ALTER TABLE bills DROP CONSTRAINT bills_late_fee_of_fkey;

-- Entries' and lines' references are checked by the commit-time check of 0016/0019, which already reads each
-- queued entry by key, each of its lines by key and each line's account by key: it now also finds an entry whose
-- fund or reversed entry, or a line whose account or unit, does not exist, and a line in a queued range that has
-- no entry. A posting pays no trigger of its own for this (a statement-level trigger per table, plpgsql with its
-- queries, cost a single posting more than the foreign keys did: 1.1 against 0.55 ms per call). Like the balance
-- rule, these are checked at commit, for every entry and line the transaction wrote, whoever wrote them.
--
-- Each reference is looked up by its key, row by row, as a scalar subquery: the planner cannot turn that into a
-- join, so the cost follows the rows written whatever the estimates. (A first version with NOT EXISTS became hash
-- anti-joins that read whole tables, every community's: a 12-month community's 7,400-line COPY took 230 ms
-- instead of 51, its bills 176 ms instead of 22.)
CREATE OR REPLACE FUNCTION ledger_check_queued_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    q RECORD;
    bad RECORD;
    orphan RECORD;
BEGIN
    FOR q IN
        WITH mine AS (
            DELETE FROM entry_checks WHERE xact = pg_current_xact_id() RETURNING community_id, first_seq, last_seq
        )
        SELECT community_id, first_seq, last_seq FROM mine ORDER BY community_id, first_seq
    LOOP
        SELECT e.seq, e.fund, e.reverses_seq, x.line_count, x.other_fund, x.no_account, x.no_unit, r.no_fund, r.no_reversed
          INTO bad
          FROM entries e
         CROSS JOIN LATERAL (
                SELECT (SELECT 1 FROM funds f WHERE f.community_id = e.community_id AND f.code = e.fund) IS NULL AS no_fund,
                       (e.reverses_seq IS NOT NULL
                        AND (SELECT 1 FROM entries v WHERE v.community_id = e.community_id AND v.seq = e.reverses_seq) IS NULL) AS no_reversed) r
         CROSS JOIN LATERAL (
                SELECT count(*) AS line_count, min(ll.fund) FILTER (WHERE ll.fund <> e.fund) AS other_fund,
                       sum(CASE WHEN ll.side = 'D' THEN ll.amount_fen ELSE -ll.amount_fen END) AS net,
                       min(ll.account_code) FILTER (WHERE ll.fund IS NULL) AS no_account,
                       min(ll.unit_id) FILTER (WHERE ll.unit_id IS NOT NULL AND ll.unit IS NULL) AS no_unit
                  FROM (SELECT l.side, l.amount_fen, l.account_code, l.unit_id,
                               (SELECT a.fund FROM accounts a WHERE a.community_id = l.community_id AND a.code = l.account_code) AS fund,
                               CASE WHEN l.unit_id IS NOT NULL
                                    THEN (SELECT 1 FROM units u WHERE u.community_id = l.community_id AND u.id = l.unit_id) END AS unit
                          FROM entry_lines l
                         WHERE l.community_id = e.community_id AND l.seq = e.seq) ll) x
         WHERE e.community_id = q.community_id AND e.seq BETWEEN q.first_seq AND q.last_seq
           AND (x.line_count < 2 OR x.other_fund IS NOT NULL OR x.net <> 0 OR x.no_account IS NOT NULL OR x.no_unit IS NOT NULL
                OR r.no_fund OR r.no_reversed)
         ORDER BY e.seq
         LIMIT 1;
        IF FOUND THEN
            IF bad.no_fund THEN
                RAISE EXCEPTION 'reference_missing: entry % of community % is in fund %, which does not exist',
                    bad.seq, q.community_id, bad.fund USING ERRCODE = 'foreign_key_violation';
            END IF;
            IF bad.no_reversed THEN
                RAISE EXCEPTION 'reference_missing: entry % of community % reverses entry %, which does not exist',
                    bad.seq, q.community_id, bad.reverses_seq USING ERRCODE = 'foreign_key_violation';
            END IF;
            IF bad.no_account IS NOT NULL THEN
                RAISE EXCEPTION 'reference_missing: a line of entry % of community % names account %, which does not exist',
                    bad.seq, q.community_id, bad.no_account USING ERRCODE = 'foreign_key_violation';
            END IF;
            IF bad.no_unit IS NOT NULL THEN
                RAISE EXCEPTION 'reference_missing: a line of entry % of community % names unit %, which does not exist',
                    bad.seq, q.community_id, bad.no_unit USING ERRCODE = 'foreign_key_violation';
            END IF;
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
        -- A line whose entry does not exist. Every entry of the range has lines (checked just above), so the
        -- range's lines name as many sequence numbers as it has entries unless one names none: two range counts.
        -- Only then are the lines looked at one by one, to name the first.
        IF (SELECT count(DISTINCT l.seq) FROM entry_lines l WHERE l.community_id = q.community_id AND l.seq BETWEEN q.first_seq AND q.last_seq)
         > (SELECT count(*) FROM entries e WHERE e.community_id = q.community_id AND e.seq BETWEEN q.first_seq AND q.last_seq) THEN
            SELECT l.seq, l.line_no INTO orphan
              FROM entry_lines l
             WHERE l.community_id = q.community_id AND l.seq BETWEEN q.first_seq AND q.last_seq
               AND (SELECT 1 FROM entries e WHERE e.community_id = l.community_id AND e.seq = l.seq) IS NULL
             ORDER BY l.seq, l.line_no
             LIMIT 1;
            RAISE EXCEPTION 'reference_missing: line % of entry % of community % has no entry', orphan.line_no, orphan.seq, q.community_id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- Bills, written in bulk by billing and never by a posting alone, are checked per statement over its new rows,
-- per distinct unit.
CREATE FUNCTION ledger_check_bill_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad RECORD;
BEGIN
    SELECT n.id, n.community_id, n.seq INTO bad FROM new_rows n
     WHERE (SELECT 1 FROM entries e WHERE e.community_id = n.community_id AND e.seq = n.seq) IS NULL
     ORDER BY n.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reference_missing: bill % of community % names entry %, which does not exist', bad.id, bad.community_id, bad.seq
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.id, n.community_id, n.unit_id INTO bad
      FROM (SELECT community_id, unit_id, min(id) AS id FROM new_rows GROUP BY community_id, unit_id) n
     WHERE (SELECT 1 FROM units u WHERE u.community_id = n.community_id AND u.id = n.unit_id) IS NULL
     ORDER BY n.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reference_missing: bill % of community % names unit %, which does not exist', bad.id, bad.community_id, bad.unit_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.id, n.community_id, n.late_fee_of INTO bad FROM new_rows n
     WHERE n.late_fee_of IS NOT NULL AND (SELECT 1 FROM bills b WHERE b.id = n.late_fee_of) IS NULL
     ORDER BY n.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reference_missing: bill % of community % is the late fee of bill %, which does not exist', bad.id, bad.community_id, bad.late_fee_of
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER bills_references AFTER INSERT ON bills REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_bill_references();

-- The other side: what the lines, bills and entries point at stays.
CREATE TRIGGER units_kept BEFORE DELETE ON units FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER units_no_truncate BEFORE TRUNCATE ON units FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER units_key_kept BEFORE UPDATE OF community_id, id ON units FOR EACH ROW
    WHEN (OLD.community_id IS DISTINCT FROM NEW.community_id OR OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER accounts_kept BEFORE DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER accounts_key_kept BEFORE UPDATE OF community_id, code ON accounts FOR EACH ROW
    WHEN (OLD.community_id IS DISTINCT FROM NEW.community_id OR OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER funds_kept BEFORE DELETE ON funds FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER funds_no_truncate BEFORE TRUNCATE ON funds FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER funds_key_kept BEFORE UPDATE OF community_id, code ON funds FOR EACH ROW
    WHEN (OLD.community_id IS DISTINCT FROM NEW.community_id OR OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER bills_kept BEFORE DELETE ON bills FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER bills_no_truncate BEFORE TRUNCATE ON bills FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER bills_references_kept BEFORE UPDATE OF id, community_id, unit_id, seq, late_fee_of ON bills FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.community_id IS DISTINCT FROM NEW.community_id OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
          OR OLD.seq IS DISTINCT FROM NEW.seq OR OLD.late_fee_of IS DISTINCT FROM NEW.late_fee_of)
    EXECUTE FUNCTION ledger_refuse_change();
