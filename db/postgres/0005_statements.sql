-- Statements, remarks and job runs (PostgreSQL; same tables as db/sqlite/0005).

CREATE TABLE statements (
    community_id      BIGINT NOT NULL REFERENCES communities(id),
    period            TEXT NOT NULL,
    version           INTEGER NOT NULL CHECK (version > 0),
    kind              TEXT NOT NULL CHECK (kind IN ('month', 'quarter', 'year')),
    status            TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    body              TEXT NOT NULL,
    hash              TEXT NOT NULL CHECK (length(hash) = 64),
    previous_hash     TEXT,
    seq               BIGINT NOT NULL,
    chain_hash        TEXT NOT NULL,
    built_at          TEXT NOT NULL,
    sign_off_until    TEXT NOT NULL,
    published_at      TEXT,
    correction_reason TEXT,
    PRIMARY KEY (community_id, period, version)
);
CREATE INDEX statements_published ON statements (community_id, status, period);

CREATE FUNCTION ledger_refuse_published_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'ledger_immutable: a published statement never changes' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER statements_published_frozen BEFORE UPDATE ON statements
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_published_change();
CREATE TRIGGER statements_no_delete BEFORE DELETE ON statements
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TABLE statement_remarks (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    period       TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX statement_remarks_period ON statement_remarks (community_id, period);

CREATE TABLE job_runs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job         TEXT NOT NULL,
    instance    TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
    error       TEXT
);
CREATE INDEX job_runs_job ON job_runs (job, id);
