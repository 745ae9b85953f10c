-- Budgets by fiscal year (versions: an amendment is a new version), motions, the voter register
-- snapshotted when a motion opens, and ballots (every ballot kept; the last before the close counts).

CREATE TABLE budgets (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    fiscal_year  INTEGER NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2999),
    version      INTEGER NOT NULL CHECK (version > 0),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'adopted', 'superseded')),
    amends_id    INTEGER REFERENCES budgets(id),
    created_at   TEXT NOT NULL,
    published_at TEXT,
    adopted_at   TEXT,
    motion_id    INTEGER,
    UNIQUE (community_id, fiscal_year, version),
    UNIQUE (community_id, id)
);
-- Only one adopted version is in force per fiscal year.
CREATE UNIQUE INDEX budgets_one_in_force ON budgets (community_id, fiscal_year) WHERE status = 'adopted';

CREATE TABLE budget_lines (
    community_id INTEGER NOT NULL,
    budget_id    INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('expense', 'income')),
    account_code TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen >= 0),
    note         TEXT NOT NULL,
    PRIMARY KEY (community_id, budget_id, kind, account_code),
    FOREIGN KEY (community_id, budget_id) REFERENCES budgets (community_id, id),
    FOREIGN KEY (community_id, account_code) REFERENCES accounts (community_id, code)
);

CREATE TABLE budget_comments (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL,
    budget_id    INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    FOREIGN KEY (community_id, budget_id) REFERENCES budgets (community_id, id)
);

CREATE TABLE motions (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    kind         TEXT NOT NULL,
    threshold    TEXT NOT NULL CHECK (threshold IN ('ordinary', 'special')),
    subject_id   INTEGER,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    opens_at     TEXT NOT NULL,
    closes_at    TEXT NOT NULL CHECK (closes_at > opens_at),
    follow_majority INTEGER NOT NULL DEFAULT 0 CHECK (follow_majority IN (0, 1)),
    status       TEXT NOT NULL CHECK (status IN ('scheduled', 'open', 'closed')),
    result       TEXT,
    created_by   INTEGER,
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, id)
);

CREATE TABLE motion_voters (
    community_id  INTEGER NOT NULL,
    motion_id     INTEGER NOT NULL,
    voter_key     TEXT NOT NULL,
    area_centi_m2 INTEGER NOT NULL CHECK (area_centi_m2 > 0),
    PRIMARY KEY (community_id, motion_id, voter_key),
    FOREIGN KEY (community_id, motion_id) REFERENCES motions (community_id, id)
);

CREATE TABLE motion_voter_owners (
    community_id INTEGER NOT NULL,
    motion_id    INTEGER NOT NULL,
    voter_key    TEXT NOT NULL,
    owner_id     INTEGER NOT NULL,
    PRIMARY KEY (community_id, motion_id, voter_key, owner_id),
    FOREIGN KEY (community_id, motion_id, voter_key) REFERENCES motion_voters (community_id, motion_id, voter_key)
);
CREATE INDEX motion_voter_owners_owner ON motion_voter_owners (community_id, motion_id, owner_id);

CREATE TABLE ballots (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL,
    motion_id    INTEGER NOT NULL,
    voter_key    TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    choice       TEXT NOT NULL CHECK (choice IN ('yes', 'no', 'abstain')),
    receipt_hash TEXT NOT NULL,
    cast_at      TEXT NOT NULL,
    FOREIGN KEY (community_id, motion_id, voter_key) REFERENCES motion_voters (community_id, motion_id, voter_key)
);
CREATE INDEX ballots_voter ON ballots (community_id, motion_id, voter_key, id);

CREATE TRIGGER ballots_no_update BEFORE UPDATE ON ballots
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: ballots are never updated'); END;
CREATE TRIGGER ballots_no_delete BEFORE DELETE ON ballots
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: ballots are never deleted'); END;
