-- Owners and the register, invitations, trust terms, fee schedules, bills, payments, receipts.

CREATE TABLE owners (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('person', 'organisation', 'developer')),
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, id)
);

CREATE TABLE unit_owners (
    community_id INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    owner_id     INTEGER NOT NULL,
    PRIMARY KEY (community_id, unit_id, owner_id),
    FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id),
    FOREIGN KEY (community_id, owner_id) REFERENCES owners (community_id, id)
);
CREATE INDEX unit_owners_owner ON unit_owners (community_id, owner_id);

CREATE TABLE owner_users (
    community_id INTEGER NOT NULL,
    owner_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (community_id, owner_id, user_id),
    FOREIGN KEY (community_id, owner_id) REFERENCES owners (community_id, id)
);
CREATE INDEX owner_users_user ON owner_users (user_id);

CREATE TABLE invitations (
    code_hash    TEXT PRIMARY KEY,
    community_id INTEGER NOT NULL,
    owner_id     INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    used_by      INTEGER REFERENCES users(id),
    FOREIGN KEY (community_id, owner_id) REFERENCES owners (community_id, id)
);

CREATE TABLE trust_terms (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    version      INTEGER NOT NULL CHECK (version > 0),
    document     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   INTEGER,
    PRIMARY KEY (community_id, version)
);

-- Rates are hundredths of a fen per m2 per month (1.80 yuan = 18000), so 4 decimals of a yuan are exact.
CREATE TABLE fee_rates (
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    effective_from TEXT NOT NULL CHECK (length(effective_from) = 7),
    use            TEXT NOT NULL,
    rate_centi_fen INTEGER NOT NULL CHECK (rate_centi_fen >= 0),
    created_at     TEXT NOT NULL,
    PRIMARY KEY (community_id, effective_from, use)
);

CREATE TABLE billing_runs (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    month        TEXT NOT NULL,
    bills        INTEGER NOT NULL,
    total_fen    INTEGER NOT NULL,
    first_seq    INTEGER,
    last_seq     INTEGER,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (community_id, month)
);

CREATE TABLE bills (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    unit_id      INTEGER NOT NULL,
    owner_id     INTEGER,
    month        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('fee', 'late_fee')),
    late_fee_of  INTEGER REFERENCES bills(id),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    paid_fen     INTEGER NOT NULL DEFAULT 0 CHECK (paid_fen >= 0 AND paid_fen <= amount_fen),
    seq          INTEGER NOT NULL,
    issued_on    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id),
    FOREIGN KEY (community_id, seq) REFERENCES entries (community_id, seq)
);
CREATE UNIQUE INDEX bills_one_fee_per_unit_month ON bills (community_id, unit_id, month) WHERE kind = 'fee';
CREATE UNIQUE INDEX bills_one_late_fee_per_bill_month ON bills (community_id, late_fee_of, month) WHERE kind = 'late_fee';
CREATE INDEX bills_open ON bills (community_id, unit_id, month) WHERE paid_fen < amount_fen;
CREATE INDEX bills_month ON bills (community_id, month);

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    unit_id      INTEGER NOT NULL,
    external_ref TEXT NOT NULL,
    channel      TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    paid_on      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, external_ref),
    FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id),
    FOREIGN KEY (community_id, seq) REFERENCES entries (community_id, seq)
);
CREATE INDEX payments_unit ON payments (community_id, unit_id, paid_on);

-- Which bills a payment (or a prepayment applied at billing) settled.
CREATE TABLE settlements (
    community_id INTEGER NOT NULL,
    bill_id      INTEGER NOT NULL REFERENCES bills(id),
    payment_id   INTEGER REFERENCES payments(id),
    seq          INTEGER NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    settled_on   TEXT NOT NULL
);
CREATE INDEX settlements_bill ON settlements (community_id, bill_id);

CREATE TABLE receipts (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    source       TEXT NOT NULL CHECK (source IN ('parking', 'advertising', 'rent', 'interest', 'other')),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    received_on  TEXT NOT NULL,
    payer        TEXT NOT NULL,
    memo         TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, external_ref),
    FOREIGN KEY (community_id, seq) REFERENCES entries (community_id, seq)
);
