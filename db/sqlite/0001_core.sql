-- Core ledger schema (SQLite). Money is INTEGER fen; dates are 'YYYY-MM-DD' text; instants are
-- fixed-width ISO 8601 UTC text. Entries and lines are immutable: triggers refuse UPDATE and DELETE.

CREATE TABLE communities (
    id                      INTEGER PRIMARY KEY,
    slug                    TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 3 AND 40),
    name                    TEXT NOT NULL,
    time_zone               TEXT NOT NULL,
    fiscal_year_start_month INTEGER NOT NULL CHECK (fiscal_year_start_month BETWEEN 1 AND 12),
    books_start_month       TEXT NOT NULL CHECK (length(books_start_month) = 7),
    head_seq                INTEGER NOT NULL DEFAULT 0 CHECK (head_seq >= 0),
    head_chain_hash         TEXT NOT NULL,
    created_at              TEXT NOT NULL
);

CREATE TABLE funds (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    PRIMARY KEY (community_id, code)
);

CREATE TABLE accounts (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'net_assets', 'income', 'expense')),
    fund         TEXT NOT NULL,
    parent_code  TEXT,
    non_negative INTEGER NOT NULL DEFAULT 0 CHECK (non_negative IN (0, 1)),
    per_unit     INTEGER NOT NULL DEFAULT 0 CHECK (per_unit IN (0, 1)),
    PRIMARY KEY (community_id, code),
    FOREIGN KEY (community_id, fund) REFERENCES funds (community_id, code),
    FOREIGN KEY (community_id, parent_code) REFERENCES accounts (community_id, code)
);

CREATE TABLE units (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    building      TEXT NOT NULL,
    number        TEXT NOT NULL,
    use           TEXT NOT NULL,
    area_centi_m2 INTEGER NOT NULL CHECK (area_centi_m2 > 0),
    area_source   TEXT NOT NULL CHECK (area_source IN ('registered', 'surveyed', 'contract')),
    delivered     INTEGER NOT NULL CHECK (delivered IN (0, 1)),
    created_at    TEXT NOT NULL,
    UNIQUE (community_id, building, number),
    UNIQUE (community_id, id)
);

CREATE TABLE entries (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    seq          INTEGER NOT NULL CHECK (seq > 0),
    entry_date   TEXT NOT NULL CHECK (length(entry_date) = 10),
    month        TEXT NOT NULL CHECK (month = substr(entry_date, 1, 7)),
    memo         TEXT NOT NULL,
    fund         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    reverses_seq INTEGER,
    personal     INTEGER NOT NULL CHECK (personal IN (0, 1)),
    entry_hash   TEXT NOT NULL CHECK (length(entry_hash) = 64),
    chain_hash   TEXT NOT NULL CHECK (length(chain_hash) = 64),
    created_at   TEXT NOT NULL,
    created_by   INTEGER,
    PRIMARY KEY (community_id, seq),
    -- An entry can be reversed once.
    UNIQUE (community_id, reverses_seq),
    FOREIGN KEY (community_id, reverses_seq) REFERENCES entries (community_id, seq),
    FOREIGN KEY (community_id, fund) REFERENCES funds (community_id, code)
);

CREATE TABLE entry_lines (
    community_id INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    line_no      INTEGER NOT NULL CHECK (line_no > 0),
    account_code TEXT NOT NULL,
    side         TEXT NOT NULL CHECK (side IN ('D', 'C')),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    unit_id      INTEGER,
    PRIMARY KEY (community_id, seq, line_no),
    FOREIGN KEY (community_id, seq) REFERENCES entries (community_id, seq),
    FOREIGN KEY (community_id, account_code) REFERENCES accounts (community_id, code),
    FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id)
);
CREATE INDEX entry_lines_account ON entry_lines (community_id, account_code, seq);
CREATE INDEX entry_lines_unit ON entry_lines (community_id, unit_id, seq) WHERE unit_id IS NOT NULL;
CREATE INDEX entries_month ON entries (community_id, month, seq);

CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: entries are never updated'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: entries are never deleted'); END;
CREATE TRIGGER entry_lines_no_update BEFORE UPDATE ON entry_lines
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: entry lines are never updated'); END;
CREATE TRIGGER entry_lines_no_delete BEFORE DELETE ON entry_lines
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: entry lines are never deleted'); END;

-- Per-account and per-unit movements by month, kept in the posting transaction (guarantee 7).
CREATE TABLE account_balances (
    community_id INTEGER NOT NULL,
    account_code TEXT NOT NULL,
    month        TEXT NOT NULL,
    debit_fen    INTEGER NOT NULL DEFAULT 0 CHECK (debit_fen >= 0),
    credit_fen   INTEGER NOT NULL DEFAULT 0 CHECK (credit_fen >= 0),
    PRIMARY KEY (community_id, account_code, month),
    FOREIGN KEY (community_id, account_code) REFERENCES accounts (community_id, code)
);

CREATE TABLE unit_balances (
    community_id INTEGER NOT NULL,
    account_code TEXT NOT NULL,
    unit_id      INTEGER NOT NULL,
    month        TEXT NOT NULL,
    debit_fen    INTEGER NOT NULL DEFAULT 0 CHECK (debit_fen >= 0),
    credit_fen   INTEGER NOT NULL DEFAULT 0 CHECK (credit_fen >= 0),
    PRIMARY KEY (community_id, account_code, unit_id, month)
);

CREATE TABLE closed_months (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    month        TEXT NOT NULL,
    closed_at    TEXT NOT NULL,
    closed_by    INTEGER,
    seq          INTEGER NOT NULL,
    chain_hash   TEXT NOT NULL,
    PRIMARY KEY (community_id, month)
);
CREATE TRIGGER closed_months_no_delete BEFORE DELETE ON closed_months
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: a closed month stays closed'); END;

-- A closed month accepts nothing (guarantee 5), whoever writes.
CREATE TRIGGER entries_closed_month BEFORE INSERT ON entries
WHEN EXISTS (SELECT 1 FROM closed_months c WHERE c.community_id = NEW.community_id AND c.month = NEW.month)
BEGIN SELECT RAISE(ABORT, 'month_closed: the month of this entry is closed'); END;

CREATE TABLE idempotency_keys (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (community_id, idem_key)
);

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    login             TEXT NOT NULL UNIQUE,
    display_name      TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    is_platform_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_platform_admin IN (0, 1)),
    created_at        TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE memberships (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    role         TEXT NOT NULL CHECK (role IN ('owner', 'trustee', 'trustee_manager', 'supervisor', 'committee', 'community_admin')),
    PRIMARY KEY (community_id, user_id, role)
);
CREATE INDEX memberships_user ON memberships (user_id);
