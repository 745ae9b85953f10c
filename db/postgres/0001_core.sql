-- Core ledger schema (PostgreSQL). Same tables and names as db/sqlite/0001_core.sql.
-- Money is BIGINT fen; dates are 'YYYY-MM-DD' text; instants are fixed-width ISO 8601 UTC text
-- (one code path for both engines). Entries and lines are immutable: triggers refuse UPDATE,
-- DELETE and TRUNCATE.

CREATE TABLE communities (
    id                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                    TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{3,40}$'),
    name                    TEXT NOT NULL,
    time_zone               TEXT NOT NULL,
    fiscal_year_start_month INTEGER NOT NULL CHECK (fiscal_year_start_month BETWEEN 1 AND 12),
    books_start_month       TEXT NOT NULL CHECK (books_start_month ~ '^\d{4}-\d{2}$'),
    head_seq                BIGINT NOT NULL DEFAULT 0 CHECK (head_seq >= 0),
    head_chain_hash         TEXT NOT NULL,
    created_at              TEXT NOT NULL
);

CREATE TABLE funds (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    PRIMARY KEY (community_id, code)
);

CREATE TABLE accounts (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'net_assets', 'income', 'expense')),
    fund         TEXT NOT NULL,
    parent_code  TEXT,
    non_negative BOOLEAN NOT NULL DEFAULT FALSE,
    per_unit     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (community_id, code),
    FOREIGN KEY (community_id, fund) REFERENCES funds (community_id, code),
    FOREIGN KEY (community_id, parent_code) REFERENCES accounts (community_id, code)
);

CREATE TABLE units (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    building      TEXT NOT NULL,
    number        TEXT NOT NULL,
    use           TEXT NOT NULL,
    area_centi_m2 BIGINT NOT NULL CHECK (area_centi_m2 > 0),
    area_source   TEXT NOT NULL CHECK (area_source IN ('registered', 'surveyed', 'contract')),
    delivered     BOOLEAN NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (community_id, building, number),
    UNIQUE (community_id, id)
);

CREATE TABLE entries (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    seq          BIGINT NOT NULL CHECK (seq > 0),
    entry_date   TEXT NOT NULL CHECK (entry_date ~ '^\d{4}-\d{2}-\d{2}$'),
    month        TEXT NOT NULL CHECK (month = substr(entry_date, 1, 7)),
    memo         TEXT NOT NULL,
    fund         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    reverses_seq BIGINT,
    personal     BOOLEAN NOT NULL,
    entry_hash   TEXT NOT NULL CHECK (length(entry_hash) = 64),
    chain_hash   TEXT NOT NULL CHECK (length(chain_hash) = 64),
    created_at   TEXT NOT NULL,
    created_by   BIGINT,
    PRIMARY KEY (community_id, seq),
    UNIQUE (community_id, reverses_seq),
    FOREIGN KEY (community_id, reverses_seq) REFERENCES entries (community_id, seq),
    FOREIGN KEY (community_id, fund) REFERENCES funds (community_id, code)
);

CREATE TABLE entry_lines (
    community_id BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    line_no      INTEGER NOT NULL CHECK (line_no > 0),
    account_code TEXT NOT NULL,
    side         CHAR(1) NOT NULL CHECK (side IN ('D', 'C')),
    amount_fen   BIGINT NOT NULL CHECK (amount_fen > 0),
    unit_id      BIGINT,
    PRIMARY KEY (community_id, seq, line_no),
    FOREIGN KEY (community_id, seq) REFERENCES entries (community_id, seq),
    FOREIGN KEY (community_id, account_code) REFERENCES accounts (community_id, code),
    FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id)
);
CREATE INDEX entry_lines_account ON entry_lines (community_id, account_code, seq);
CREATE INDEX entry_lines_unit ON entry_lines (community_id, unit_id, seq) WHERE unit_id IS NOT NULL;
CREATE INDEX entries_month ON entries (community_id, month, seq);

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_immutable: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER entries_immutable BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER entry_lines_immutable BEFORE UPDATE OR DELETE ON entry_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER entry_lines_no_truncate BEFORE TRUNCATE ON entry_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

CREATE TABLE account_balances (
    community_id BIGINT NOT NULL,
    account_code TEXT NOT NULL,
    month        TEXT NOT NULL,
    debit_fen    BIGINT NOT NULL DEFAULT 0 CHECK (debit_fen >= 0),
    credit_fen   BIGINT NOT NULL DEFAULT 0 CHECK (credit_fen >= 0),
    PRIMARY KEY (community_id, account_code, month),
    FOREIGN KEY (community_id, account_code) REFERENCES accounts (community_id, code)
);

CREATE TABLE unit_balances (
    community_id BIGINT NOT NULL,
    account_code TEXT NOT NULL,
    unit_id      BIGINT NOT NULL,
    month        TEXT NOT NULL,
    debit_fen    BIGINT NOT NULL DEFAULT 0 CHECK (debit_fen >= 0),
    credit_fen   BIGINT NOT NULL DEFAULT 0 CHECK (credit_fen >= 0),
    PRIMARY KEY (community_id, account_code, unit_id, month)
);

CREATE TABLE closed_months (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    month        TEXT NOT NULL,
    closed_at    TEXT NOT NULL,
    closed_by    BIGINT,
    seq          BIGINT NOT NULL,
    chain_hash   TEXT NOT NULL,
    PRIMARY KEY (community_id, month)
);
CREATE TRIGGER closed_months_immutable BEFORE DELETE ON closed_months
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE FUNCTION ledger_refuse_closed_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM closed_months c WHERE c.community_id = NEW.community_id AND c.month = NEW.month) THEN
        RAISE EXCEPTION 'month_closed: the month of this entry is closed' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER entries_closed_month BEFORE INSERT ON entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_closed_month();

CREATE TABLE idempotency_keys (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (community_id, idem_key)
);

CREATE TABLE users (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login             TEXT NOT NULL UNIQUE,
    display_name      TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    is_platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE memberships (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    role         TEXT NOT NULL CHECK (role IN ('owner', 'trustee', 'trustee_manager', 'supervisor', 'committee', 'community_admin')),
    PRIMARY KEY (community_id, user_id, role)
);
CREATE INDEX memberships_user ON memberships (user_id);
