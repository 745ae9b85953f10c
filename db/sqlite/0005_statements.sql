-- Statements (month, quarter, year): a draft during the supervisor's sign-off window, then published
-- and frozen. A correction is a new version that says why. Plus the record of periodic job runs.

CREATE TABLE statements (
    community_id      INTEGER NOT NULL REFERENCES communities(id),
    period            TEXT NOT NULL,
    version           INTEGER NOT NULL CHECK (version > 0),
    kind              TEXT NOT NULL CHECK (kind IN ('month', 'quarter', 'year')),
    status            TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    body              TEXT NOT NULL,
    hash              TEXT NOT NULL CHECK (length(hash) = 64),
    previous_hash     TEXT,
    seq               INTEGER NOT NULL,
    chain_hash        TEXT NOT NULL,
    built_at          TEXT NOT NULL,
    sign_off_until    TEXT NOT NULL,
    published_at      TEXT,
    correction_reason TEXT,
    PRIMARY KEY (community_id, period, version)
);
CREATE INDEX statements_published ON statements (community_id, status, period);

-- A published statement never changes.
CREATE TRIGGER statements_published_frozen BEFORE UPDATE ON statements WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: a published statement never changes'); END;
CREATE TRIGGER statements_no_delete BEFORE DELETE ON statements
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: statements are never deleted'); END;

CREATE TABLE statement_remarks (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    period       TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX statement_remarks_period ON statement_remarks (community_id, period);

CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT NOT NULL,
    instance    TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
    error       TEXT
);
CREATE INDEX job_runs_job ON job_runs (job, id);
