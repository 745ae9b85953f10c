-- The accountability loop (DESIGN.md section 11): the asker's rating of an answer and the
-- supervisor's finding on an escalated query; owners' evaluations of the trustee (两评) with the
-- register fixed when each is created; and what was left on a spending request's budget line when
-- it was filed, for its public whole-process page. Ratings, findings and responses are never
-- changed or deleted (a new response supersedes an earlier one; both stay).

CREATE TABLE query_ratings (
    community_id INTEGER NOT NULL,
    query_id     INTEGER NOT NULL REFERENCES queries(id),
    satisfied    INTEGER NOT NULL CHECK (satisfied IN (0, 1)),
    comment      TEXT NOT NULL,
    rated_by     INTEGER NOT NULL REFERENCES users(id),
    rated_at     TEXT NOT NULL,
    -- An answer is rated once.
    PRIMARY KEY (community_id, query_id)
);

CREATE TABLE query_findings (
    community_id INTEGER NOT NULL,
    query_id     INTEGER NOT NULL REFERENCES queries(id),
    finding      TEXT NOT NULL,
    upheld       INTEGER NOT NULL CHECK (upheld IN (0, 1)),
    found_by     INTEGER NOT NULL REFERENCES users(id),
    found_at     TEXT NOT NULL,
    -- One finding closes a query.
    PRIMARY KEY (community_id, query_id)
);

CREATE TABLE evaluations (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title        TEXT NOT NULL,
    opens_at     TEXT NOT NULL,
    closes_at    TEXT NOT NULL,
    eligible     INTEGER NOT NULL CHECK (eligible >= 0),
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, id),
    CHECK (closes_at > opens_at)
);

CREATE TABLE evaluation_dimensions (
    community_id  INTEGER NOT NULL,
    evaluation_id INTEGER NOT NULL,
    position      INTEGER NOT NULL CHECK (position >= 0),
    name          TEXT NOT NULL,
    PRIMARY KEY (community_id, evaluation_id, position),
    UNIQUE (community_id, evaluation_id, name),
    FOREIGN KEY (community_id, evaluation_id) REFERENCES evaluations (community_id, id)
);

CREATE TABLE evaluation_voter_owners (
    community_id  INTEGER NOT NULL,
    evaluation_id INTEGER NOT NULL,
    voter_key     TEXT NOT NULL,
    owner_id      INTEGER NOT NULL,
    PRIMARY KEY (community_id, evaluation_id, voter_key, owner_id),
    FOREIGN KEY (community_id, evaluation_id) REFERENCES evaluations (community_id, id)
);
CREATE INDEX evaluation_voter_owners_owner ON evaluation_voter_owners (community_id, evaluation_id, owner_id);

CREATE TABLE evaluation_responses (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL,
    evaluation_id INTEGER NOT NULL,
    voter_key     TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    comment       TEXT NOT NULL,
    answered_at   TEXT NOT NULL,
    UNIQUE (community_id, id),
    FOREIGN KEY (community_id, evaluation_id) REFERENCES evaluations (community_id, id)
);
CREATE INDEX evaluation_responses_voter ON evaluation_responses (community_id, evaluation_id, voter_key, id);

CREATE TABLE evaluation_scores (
    community_id INTEGER NOT NULL,
    response_id  INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    PRIMARY KEY (community_id, response_id, position),
    FOREIGN KEY (community_id, response_id) REFERENCES evaluation_responses (community_id, id)
);

CREATE TABLE spending_filings (
    community_id INTEGER NOT NULL,
    request_id   INTEGER NOT NULL,
    budget_id    INTEGER,
    line_budget_fen INTEGER,
    line_left_fen   INTEGER,
    PRIMARY KEY (community_id, request_id),
    FOREIGN KEY (community_id, request_id) REFERENCES spending_requests (community_id, id)
);

CREATE TRIGGER query_ratings_no_update BEFORE UPDATE ON query_ratings
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: ratings are never updated'); END;
CREATE TRIGGER query_ratings_no_delete BEFORE DELETE ON query_ratings
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: ratings are never deleted'); END;
CREATE TRIGGER query_findings_no_update BEFORE UPDATE ON query_findings
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: findings are never updated'); END;
CREATE TRIGGER query_findings_no_delete BEFORE DELETE ON query_findings
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: findings are never deleted'); END;
CREATE TRIGGER evaluation_responses_no_update BEFORE UPDATE ON evaluation_responses
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: responses are never updated'); END;
CREATE TRIGGER evaluation_responses_no_delete BEFORE DELETE ON evaluation_responses
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: responses are never deleted'); END;
CREATE TRIGGER evaluation_scores_no_update BEFORE UPDATE ON evaluation_scores
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: scores are never updated'); END;
CREATE TRIGGER evaluation_scores_no_delete BEFORE DELETE ON evaluation_scores
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: scores are never deleted'); END;
CREATE TRIGGER spending_filings_no_update BEFORE UPDATE ON spending_filings
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: filings are never updated'); END;
