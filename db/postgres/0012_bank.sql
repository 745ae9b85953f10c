-- Bank reconciliation (PostgreSQL; same tables as db/sqlite/0012): saved column mappings, imported
-- statements, their lines (each once per account, matched to at most one entry), and signed monthly
-- reconciliations (frozen).

CREATE TABLE bank_mappings (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL,
    mapping      TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   BIGINT,
    PRIMARY KEY (community_id, name)
);

CREATE TABLE bank_statements (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    account_code TEXT NOT NULL CHECK (account_code IN ('1002', '1003')),
    format       TEXT NOT NULL CHECK (format IN ('camt053', 'csv', 'xlsx')),
    file_sha256  TEXT NOT NULL CHECK (length(file_sha256) = 64),
    from_date    TEXT NOT NULL CHECK (length(from_date) = 10),
    to_date      TEXT NOT NULL CHECK (length(to_date) = 10),
    opening_fen  BIGINT NOT NULL,
    closing_fen  BIGINT NOT NULL,
    line_count   BIGINT NOT NULL CHECK (line_count >= 0),
    imported     BIGINT NOT NULL CHECK (imported >= 0),
    duplicates   BIGINT NOT NULL CHECK (duplicates >= 0),
    matched      BIGINT NOT NULL CHECK (matched >= 0),
    unmatched    BIGINT NOT NULL CHECK (unmatched >= 0),
    created_at   TEXT NOT NULL,
    created_by   BIGINT,
    UNIQUE (community_id, account_code, file_sha256)
);
CREATE INDEX bank_statements_account ON bank_statements (community_id, account_code, to_date);

CREATE TABLE bank_lines (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    account_code  TEXT NOT NULL,
    statement_id  BIGINT NOT NULL REFERENCES bank_statements(id),
    booked_on     TEXT NOT NULL CHECK (length(booked_on) = 10),
    month         TEXT NOT NULL CHECK (month = substr(booked_on, 1, 7)),
    amount_fen    BIGINT NOT NULL CHECK (amount_fen <> 0),
    balance_fen   BIGINT NOT NULL,
    identity      TEXT NOT NULL,
    reference     TEXT,
    end_to_end_id TEXT,
    counterparty  TEXT NOT NULL,
    memo          TEXT NOT NULL,
    matched_seq   BIGINT,
    match_kind    TEXT CHECK (match_kind IN ('reference', 'amount_date', 'manual', 'receipt')),
    CHECK ((matched_seq IS NULL) = (match_kind IS NULL)),
    UNIQUE (community_id, account_code, identity),
    FOREIGN KEY (community_id, matched_seq) REFERENCES entries (community_id, seq)
);
CREATE UNIQUE INDEX bank_lines_match_once ON bank_lines (community_id, account_code, matched_seq) WHERE matched_seq IS NOT NULL;
CREATE INDEX bank_lines_month ON bank_lines (community_id, account_code, month);

CREATE FUNCTION bank_lines_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.matched_seq IS NOT NULL OR NEW.amount_fen IS DISTINCT FROM OLD.amount_fen
       OR NEW.balance_fen IS DISTINCT FROM OLD.balance_fen OR NEW.booked_on IS DISTINCT FROM OLD.booked_on
       OR NEW.identity IS DISTINCT FROM OLD.identity OR NEW.account_code IS DISTINCT FROM OLD.account_code THEN
        RAISE EXCEPTION 'ledger_immutable: a bank line is changed only by matching it once' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER bank_lines_fixed BEFORE UPDATE OR DELETE ON bank_lines FOR EACH ROW EXECUTE FUNCTION bank_lines_fixed();

CREATE TABLE bank_reconciliations (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    account_code TEXT NOT NULL,
    month        TEXT NOT NULL CHECK (length(month) = 7),
    body         TEXT NOT NULL,
    hash         TEXT NOT NULL CHECK (length(hash) = 64),
    signed_by    BIGINT NOT NULL,
    signed_at    TEXT NOT NULL,
    PRIMARY KEY (community_id, account_code, month)
);
CREATE TRIGGER bank_reconciliations_immutable BEFORE UPDATE OR DELETE ON bank_reconciliations
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
