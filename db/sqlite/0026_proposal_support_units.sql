-- The units each support of a proposal covered when it was given. A support is one voter as the register
-- counted them then; a co-owner added to a supporting unit makes a new voter key for the same unit, so the
-- key alone let one unit support twice. A unit supports a proposal once (the primary key). Supports given
-- before this have no rows here: they keep counting by their voter key alone.

CREATE TABLE proposal_support_units (
    community_id INTEGER NOT NULL,
    proposal_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    voter_key    TEXT NOT NULL,
    PRIMARY KEY (community_id, proposal_id, unit_id),
    FOREIGN KEY (community_id, proposal_id, voter_key) REFERENCES proposal_supports (community_id, proposal_id, voter_key),
    FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id)
);

CREATE TRIGGER proposal_support_units_no_update BEFORE UPDATE ON proposal_support_units
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: supports are never updated'); END;
CREATE TRIGGER proposal_support_units_no_delete BEFORE DELETE ON proposal_support_units
BEGIN SELECT RAISE(ABORT, 'ledger_immutable: supports are never deleted'); END;
