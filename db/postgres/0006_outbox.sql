-- Messages waiting for a channel (PostgreSQL; same table as db/sqlite/0006).
CREATE TABLE outbox (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    kind         TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL,
    unit_id      BIGINT,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    UNIQUE (community_id, kind, dedupe_key)
);
