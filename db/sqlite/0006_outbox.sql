-- Messages waiting for a channel (SMS, WeChat, letters): arrears reminders, one per unit and month.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    kind         TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL,
    unit_id      INTEGER,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    UNIQUE (community_id, kind, dedupe_key)
);
