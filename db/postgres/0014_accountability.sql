-- The accountability loop (PostgreSQL; same tables as db/sqlite/0014) (DESIGN.md section 11): the asker's rating of an answer and the
-- supervisor's finding on an escalated query; owners' evaluations of the trustee (两评) with the
-- register fixed when each is created; and what was left on a spending request's budget line when
-- it was filed, for its public whole-process page. Ratings, findings and responses are never
-- changed or deleted (a new response supersedes an earlier one; both stay).

CREATE TABLE query_ratings (
    community_id BIGINT NOT NULL,
    query_id     BIGINT NOT NULL REFERENCES queries(id),
    satisfied    BOOLEAN NOT NULL,
    comment      TEXT NOT NULL,
    rated_by     BIGINT NOT NULL REFERENCES users(id),
    rated_at     TEXT NOT NULL,
    -- An answer is rated once.
    PRIMARY KEY (community_id, query_id)
);

CREATE TABLE query_findings (
    community_id BIGINT NOT NULL,
    query_id     BIGINT NOT NULL REFERENCES queries(id),
    finding      TEXT NOT NULL,
    upheld       BOOLEAN NOT NULL,
    found_by     BIGINT NOT NULL REFERENCES users(id),
    found_at     TEXT NOT NULL,
    -- One finding closes a query.
    PRIMARY KEY (community_id, query_id)
);

CREATE TABLE evaluations (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    title        TEXT NOT NULL,
    opens_at     TEXT NOT NULL,
    closes_at    TEXT NOT NULL,
    eligible     BIGINT NOT NULL CHECK (eligible >= 0),
    created_by   BIGINT NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, id),
    CHECK (closes_at > opens_at)
);

CREATE TABLE evaluation_dimensions (
    community_id  BIGINT NOT NULL,
    evaluation_id BIGINT NOT NULL,
    position      BIGINT NOT NULL CHECK (position >= 0),
    name          TEXT NOT NULL,
    PRIMARY KEY (community_id, evaluation_id, position),
    UNIQUE (community_id, evaluation_id, name),
    FOREIGN KEY (community_id, evaluation_id) REFERENCES evaluations (community_id, id)
);

CREATE TABLE evaluation_voter_owners (
    community_id  BIGINT NOT NULL,
    evaluation_id BIGINT NOT NULL,
    voter_key     TEXT NOT NULL,
    owner_id      BIGINT NOT NULL,
    PRIMARY KEY (community_id, evaluation_id, voter_key, owner_id),
    FOREIGN KEY (community_id, evaluation_id) REFERENCES evaluations (community_id, id)
);
CREATE INDEX evaluation_voter_owners_owner ON evaluation_voter_owners (community_id, evaluation_id, owner_id);

CREATE TABLE evaluation_responses (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id  BIGINT NOT NULL,
    evaluation_id BIGINT NOT NULL,
    voter_key     TEXT NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    comment       TEXT NOT NULL,
    answered_at   TEXT NOT NULL,
    UNIQUE (community_id, id),
    FOREIGN KEY (community_id, evaluation_id) REFERENCES evaluations (community_id, id)
);
CREATE INDEX evaluation_responses_voter ON evaluation_responses (community_id, evaluation_id, voter_key, id);

CREATE TABLE evaluation_scores (
    community_id BIGINT NOT NULL,
    response_id  BIGINT NOT NULL,
    position     BIGINT NOT NULL,
    score        BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    PRIMARY KEY (community_id, response_id, position),
    FOREIGN KEY (community_id, response_id) REFERENCES evaluation_responses (community_id, id)
);

CREATE TABLE spending_filings (
    community_id BIGINT NOT NULL,
    request_id   BIGINT NOT NULL,
    budget_id    BIGINT,
    line_budget_fen BIGINT,
    line_left_fen   BIGINT,
    PRIMARY KEY (community_id, request_id),
    FOREIGN KEY (community_id, request_id) REFERENCES spending_requests (community_id, id)
);

CREATE TRIGGER query_ratings_immutable BEFORE UPDATE OR DELETE ON query_ratings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER query_findings_immutable BEFORE UPDATE OR DELETE ON query_findings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER evaluation_responses_immutable BEFORE UPDATE OR DELETE ON evaluation_responses
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER evaluation_scores_immutable BEFORE UPDATE OR DELETE ON evaluation_scores
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER spending_filings_immutable BEFORE UPDATE ON spending_filings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
