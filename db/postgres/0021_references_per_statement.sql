-- Issue 18: the references of the rows a billing run writes in bulk checked once per statement, not once per row.
--
-- A foreign key is a row-level trigger: each row written queues an event, and at the statement's end each event
-- runs its own lookup of the referenced row. A 2,000-unit billing run writes 2,000 entries, 4,000 lines and 2,000
-- bills, so 18,000 such lookups (entry -> fund and reversed entry; line -> entry, account and unit; bill -> entry,
-- unit and late-fee bill): about 45 ms of the run's COPYs in pg_stat_statements, more with the trigger events.
-- With the checks below, the warm billing bench went from 204 to 125-145 ms (bench/README.md, 2026-11-30).
--
-- The same references are now checked by one AFTER INSERT trigger per statement over the statement's new rows
-- (the transition table the commit-time queue already captures), at the same moment a foreign key is checked:
-- when the statement ends, so a statement that names a missing row fails, with SQLSTATE 23503
-- (foreign_key_violation) as before and a message that names the row and what it points at.
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

-- Each reference is looked up by its key, row by row, as a scalar subquery: the planner cannot turn that into a
-- join, so the cost follows the rows written whatever the estimates. (A first version with NOT EXISTS became hash
-- anti-joins that read whole tables, every community's: a 12-month community's 7,400-line COPY took 230 ms
-- instead of 51, its bills 176 ms instead of 22.)
CREATE FUNCTION ledger_check_entry_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad RECORD;
BEGIN
    SELECT n.community_id, n.seq, n.fund INTO bad
      FROM (SELECT community_id, fund, min(seq) AS seq FROM new_rows GROUP BY community_id, fund) n
     WHERE (SELECT 1 FROM funds f WHERE f.community_id = n.community_id AND f.code = n.fund) IS NULL
     ORDER BY n.community_id, n.seq LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reference_missing: entry % of community % is in fund %, which does not exist', bad.seq, bad.community_id, bad.fund
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.community_id, n.seq, n.reverses_seq INTO bad FROM new_rows n
     WHERE n.reverses_seq IS NOT NULL
       AND (SELECT 1 FROM entries e WHERE e.community_id = n.community_id AND e.seq = n.reverses_seq) IS NULL
     ORDER BY n.community_id, n.seq LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reference_missing: entry % of community % reverses entry %, which does not exist', bad.seq, bad.community_id, bad.reverses_seq
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

-- Lines are checked per distinct entry, account and unit they name (a billing run's 7,400 lines name 3,700
-- entries, 3 accounts and 2,000 units), the first line naming each standing for the message; entries per
-- distinct fund and bills per distinct unit likewise.
CREATE FUNCTION ledger_check_line_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad RECORD;
BEGIN
    SELECT n.community_id, n.seq INTO bad FROM (SELECT DISTINCT community_id, seq FROM new_rows) n
     WHERE (SELECT 1 FROM entries e WHERE e.community_id = n.community_id AND e.seq = n.seq) IS NULL
     ORDER BY n.community_id, n.seq LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reference_missing: lines of entry % of community % have no entry', bad.seq, bad.community_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.community_id, n.seq, n.account_code INTO bad
      FROM (SELECT community_id, account_code, min(seq) AS seq FROM new_rows GROUP BY community_id, account_code) n
     WHERE (SELECT 1 FROM accounts a WHERE a.community_id = n.community_id AND a.code = n.account_code) IS NULL
     ORDER BY n.community_id, n.seq LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reference_missing: a line of entry % of community % names account %, which does not exist',
            bad.seq, bad.community_id, bad.account_code USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.community_id, n.seq, n.unit_id INTO bad
      FROM (SELECT community_id, unit_id, min(seq) AS seq FROM new_rows WHERE unit_id IS NOT NULL GROUP BY community_id, unit_id) n
     WHERE (SELECT 1 FROM units u WHERE u.community_id = n.community_id AND u.id = n.unit_id) IS NULL
     ORDER BY n.community_id, n.seq LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reference_missing: a line of entry % of community % names unit %, which does not exist',
            bad.seq, bad.community_id, bad.unit_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

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

CREATE TRIGGER entries_references AFTER INSERT ON entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_entry_references();
CREATE TRIGGER entry_lines_references AFTER INSERT ON entry_lines REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_line_references();
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
