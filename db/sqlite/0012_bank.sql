-- Bank reconciliation (SQLite): saved column mappings, imported statements, their lines (each once
-- per account, matched to at most one entry), and signed monthly reconciliations (frozen).

CREATE TABLE bank_mappings (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL,
    mapping      TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   INTEGER,
    PRIMARY KEY (community_id, name)
);

CREATE TABLE bank_statements (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    account_code TEXT NOT NULL CHECK (account_code IN ('1002', '1003')),
    format       TEXT NOT NULL CHECK (format IN ('camt053', 'csv', 'xlsx')),
    file_sha256  TEXT NOT NULL CHECK (length(file_sha256) = 64),
    from_date    TEXT NOT NULL CHECK (length(from_date) = 10),
    to_date      TEXT NOT NULL CHECK (length(to_date) = 10),
    opening_fen  INTEGER NOT NULL,
    closing_fen  INTEGER NOT NULL,
    line_count   INTEGER NOT NULL CHECK (line_count >= 0),
    imported     INTEGER NOT NULL CHECK (imported >= 0),
    duplicates   INTEGER NOT NULL CHECK (duplicates >= 0),
    matched      INTEGER NOT NULL CHECK (matched >= 0),
    unmatched    INTEGER NOT NULL CHECK (unmatched >= 0),
    created_at   TEXT NOT NULL,
    created_by   INTEGER,
    -- The same file again answers the first import.
    UNIQUE (community_id, account_code, file_sha256)
);
CREATE INDEX bank_statements_account ON bank_statements (community_id, account_code, to_date);

CREATE TABLE bank_lines (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    account_code  TEXT NOT NULL,
    statement_id  INTEGER NOT NULL REFERENCES bank_statements(id),
    booked_on     TEXT NOT NULL CHECK (length(booked_on) = 10),
    month         TEXT NOT NULL CHECK (month = substr(booked_on, 1, 7)),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen <> 0),
    balance_fen   INTEGER NOT NULL,
    identity      TEXT NOT NULL,
    reference     TEXT,
    end_to_end_id TEXT,
    counterparty  TEXT NOT NULL,
    memo          TEXT NOT NULL,
    matched_seq   INTEGER,
    match_kind    TEXT CHECK (match_kind IN ('reference', 'amount_date', 'manual', 'receipt')),
    CHECK ((matched_seq IS NULL) = (match_kind IS NULL)),
    -- No line twice: the bank's reference, else date + amount + running balance.
    UNIQUE (community_id, account_code, identity),
    FOREIGN KEY (community_id, matched_seq) REFERENCES entries (community_id, seq)
);
-- An entry explains one bank line at most.
CREATE UNIQUE INDEX bank_lines_match_once ON bank_lines (community_id, account_code, matched_seq) WHERE matched_seq IS NOT NULL;
CREATE INDEX bank_lines_month ON bank_lines (community_id, account_code, month);

-- A line is what the bank said: only its match may be set, once.
CREATE TRIGGER bank_lines_fixed BEFORE UPDATE ON bank_lines
WHEN OLD.matched_seq IS NOT NULL OR NEW.amount_fen IS NOT OLD.amount_fen OR NEW.balance_fen IS NOT OLD.balance_fen
  OR NEW.booked_on IS NOT OLD.booked_on OR NEW.identity IS NOT OLD.identity OR NEW.account_code IS NOT OLD.account_code
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: a bank line is changed only by matching it once'); END;
CREATE TRIGGER bank_lines_no_delete BEFORE DELETE ON bank_lines
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: bank lines are never deleted'); END;

CREATE TABLE bank_reconciliations (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    account_code TEXT NOT NULL,
    month        TEXT NOT NULL CHECK (length(month) = 7),
    body         TEXT NOT NULL,
    hash         TEXT NOT NULL CHECK (length(hash) = 64),
    signed_by    INTEGER NOT NULL,
    signed_at    TEXT NOT NULL,
    PRIMARY KEY (community_id, account_code, month)
);
CREATE TRIGGER bank_reconciliations_no_update BEFORE UPDATE ON bank_reconciliations
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: a signed reconciliation never changes'); END;
CREATE TRIGGER bank_reconciliations_no_delete BEFORE DELETE ON bank_reconciliations
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: a signed reconciliation is never deleted'); END;
