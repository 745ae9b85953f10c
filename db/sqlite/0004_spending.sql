-- Spending under supervision: attachments (content-addressed, in the database), two-phase spending
-- requests, decisions (one per person per request), owners' queries, remuneration accruals and the
-- audit trail of every decision.

CREATE TABLE attachments (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size         INTEGER NOT NULL CHECK (size > 0 AND size <= 10485760),
    content      BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   INTEGER,
    PRIMARY KEY (community_id, sha256)
);

CREATE TABLE spending_requests (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    payee        TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    account_code TEXT NOT NULL,
    budget_line  TEXT NOT NULL,
    fiscal_year  INTEGER NOT NULL,
    description  TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('expense', 'remuneration')),
    approval     TEXT NOT NULL CHECK (approval IN ('supervisor', 'committee')),
    needs_vote   INTEGER NOT NULL CHECK (needs_vote IN (0, 1)),
    vote_reason  TEXT,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'expired', 'paid')),
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    closed_at    TEXT,
    paid_seq     INTEGER,
    paid_on      TEXT,
    bank_ref     TEXT,
    voucher      TEXT,
    UNIQUE (community_id, id),
    FOREIGN KEY (community_id, account_code) REFERENCES accounts (community_id, code)
);
CREATE INDEX spending_requests_line ON spending_requests (community_id, fiscal_year, budget_line, status);
-- A request is paid once.
CREATE UNIQUE INDEX spending_requests_paid_once ON spending_requests (community_id, paid_seq) WHERE paid_seq IS NOT NULL;

CREATE TABLE spending_attachments (
    community_id INTEGER NOT NULL,
    request_id   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    PRIMARY KEY (community_id, request_id, sha256),
    FOREIGN KEY (community_id, request_id) REFERENCES spending_requests (community_id, id),
    FOREIGN KEY (community_id, sha256) REFERENCES attachments (community_id, sha256)
);

CREATE TABLE spending_decisions (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL,
    request_id   INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    role         TEXT NOT NULL CHECK (role IN ('supervisor', 'committee')),
    decision     TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment      TEXT NOT NULL,
    decided_at   TEXT NOT NULL,
    -- Nobody decides twice.
    UNIQUE (community_id, request_id, user_id),
    FOREIGN KEY (community_id, request_id) REFERENCES spending_requests (community_id, id)
);

CREATE TABLE queries (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    subject      TEXT NOT NULL CHECK (subject IN ('entry', 'statement', 'spendingRequest')),
    subject_id   TEXT NOT NULL,
    question     TEXT NOT NULL,
    asked_by     INTEGER NOT NULL REFERENCES users(id),
    asked_at     TEXT NOT NULL,
    answer       TEXT,
    answered_by  INTEGER REFERENCES users(id),
    answered_at  TEXT
);
CREATE INDEX queries_community ON queries (community_id, id);

CREATE TABLE remuneration_accruals (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    month        TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen >= 0),
    basis_fen    INTEGER NOT NULL,
    seq          INTEGER,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (community_id, month)
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    user_id      INTEGER,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    address      TEXT,
    at           TEXT NOT NULL
);
CREATE INDEX audit_log_community ON audit_log (community_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: the audit trail is never updated'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: the audit trail is never deleted'); END;
CREATE TRIGGER spending_decisions_no_update BEFORE UPDATE ON spending_decisions
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: decisions are never updated'); END;
CREATE TRIGGER spending_decisions_no_delete BEFORE DELETE ON spending_decisions
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: decisions are never deleted'); END;
