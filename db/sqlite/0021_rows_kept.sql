-- Units, accounts, funds and bills are never deleted and their keys never change: lines, entries, bills and
-- payments point at them, and a statement published once names them. The service never does either; the
-- database now refuses it, as PostgreSQL does from its 0021 (where these references are checked per statement).
-- Foreign keys already refused it for a row something pointed at; this refuses it for every row.
CREATE TRIGGER units_kept BEFORE DELETE ON units
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: units are never deleted'); END;
CREATE TRIGGER units_key_kept BEFORE UPDATE OF community_id, id ON units
WHEN OLD.community_id IS NOT NEW.community_id OR OLD.id IS NOT NEW.id
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: a unit''s key never changes'); END;
CREATE TRIGGER accounts_kept BEFORE DELETE ON accounts
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: accounts are never deleted'); END;
CREATE TRIGGER accounts_key_kept BEFORE UPDATE OF community_id, code ON accounts
WHEN OLD.community_id IS NOT NEW.community_id OR OLD.code IS NOT NEW.code
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: an account''s code never changes'); END;
CREATE TRIGGER funds_kept BEFORE DELETE ON funds
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: funds are never deleted'); END;
CREATE TRIGGER funds_key_kept BEFORE UPDATE OF community_id, code ON funds
WHEN OLD.community_id IS NOT NEW.community_id OR OLD.code IS NOT NEW.code
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: a fund''s code never changes'); END;
CREATE TRIGGER bills_kept BEFORE DELETE ON bills
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: bills are never deleted'); END;
CREATE TRIGGER bills_references_kept BEFORE UPDATE OF id, community_id, unit_id, seq, late_fee_of ON bills
WHEN OLD.id IS NOT NEW.id OR OLD.community_id IS NOT NEW.community_id OR OLD.unit_id IS NOT NEW.unit_id
  OR OLD.seq IS NOT NEW.seq OR OLD.late_fee_of IS NOT NEW.late_fee_of
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: what a bill points at never changes'); END;
