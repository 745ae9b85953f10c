-- Owners' decisions, whole process (DESIGN.md section 10): proposals and their support (one row per
-- voter as Art. 9 counts them), paper ballots beside the ballots they record (with the scan of the
-- signed form), and the follow-up record of passed motions. Everything here is append-only, except
-- that a proposal records once when it qualified and once which motion answered it.

CREATE TABLE proposals (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    qualified_at TEXT,
    respond_by   TEXT,
    motion_id    INTEGER,
    CHECK ((qualified_at IS NULL) = (respond_by IS NULL)),
    UNIQUE (community_id, id),
    FOREIGN KEY (community_id, motion_id) REFERENCES motions (community_id, id)
);
-- A motion answers at most one proposal.
CREATE UNIQUE INDEX proposals_motion ON proposals (community_id, motion_id) WHERE motion_id IS NOT NULL;

CREATE TABLE proposal_supports (
    community_id  INTEGER NOT NULL,
    proposal_id   INTEGER NOT NULL,
    voter_key     TEXT NOT NULL,
    area_centi_m2 INTEGER NOT NULL CHECK (area_centi_m2 > 0),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    supported_at  TEXT NOT NULL,
    -- One support per voter (a buyer of several units once, the developer once).
    PRIMARY KEY (community_id, proposal_id, voter_key),
    FOREIGN KEY (community_id, proposal_id) REFERENCES proposals (community_id, id)
);

CREATE TABLE paper_ballots (
    ballot_id    INTEGER PRIMARY KEY REFERENCES ballots(id),
    community_id INTEGER NOT NULL,
    motion_id    INTEGER NOT NULL,
    voter_key    TEXT NOT NULL,
    unit_id      INTEGER NOT NULL,
    scan_sha256  TEXT NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES users(id),
    recorded_at  TEXT NOT NULL,
    -- One paper ballot per voter: a signed form is final.
    UNIQUE (community_id, motion_id, voter_key),
    FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id),
    FOREIGN KEY (community_id, scan_sha256) REFERENCES attachments (community_id, sha256)
);

CREATE TABLE motion_follow_ups (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL,
    motion_id    INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done')),
    note         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('trustee', 'committee')),
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, id),
    FOREIGN KEY (community_id, motion_id) REFERENCES motions (community_id, id)
);
CREATE INDEX motion_follow_ups_motion ON motion_follow_ups (community_id, motion_id, id);

CREATE TABLE motion_follow_up_attachments (
    community_id INTEGER NOT NULL,
    follow_up_id INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    PRIMARY KEY (community_id, follow_up_id, sha256),
    FOREIGN KEY (community_id, follow_up_id) REFERENCES motion_follow_ups (community_id, id),
    FOREIGN KEY (community_id, sha256) REFERENCES attachments (community_id, sha256)
);

CREATE TRIGGER proposal_supports_no_update BEFORE UPDATE ON proposal_supports
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: supports are never updated'); END;
CREATE TRIGGER proposal_supports_no_delete BEFORE DELETE ON proposal_supports
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: supports are never deleted'); END;
CREATE TRIGGER paper_ballots_no_update BEFORE UPDATE ON paper_ballots
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: paper ballots are never updated'); END;
CREATE TRIGGER paper_ballots_no_delete BEFORE DELETE ON paper_ballots
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: paper ballots are never deleted'); END;
CREATE TRIGGER motion_follow_ups_no_update BEFORE UPDATE ON motion_follow_ups
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: follow-ups are never updated'); END;
CREATE TRIGGER motion_follow_ups_no_delete BEFORE DELETE ON motion_follow_ups
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: follow-ups are never deleted'); END;
CREATE TRIGGER motion_follow_up_attachments_no_update BEFORE UPDATE ON motion_follow_up_attachments
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: follow-ups are never updated'); END;
CREATE TRIGGER motion_follow_up_attachments_no_delete BEFORE DELETE ON motion_follow_up_attachments
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: follow-ups are never deleted'); END;
