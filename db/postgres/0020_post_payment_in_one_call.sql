-- Issue 18: a payment in two round trips (PostgreSQL only; SQLite keeps the transactional path).
-- The service reads without a lock, in one round trip, the unit, its open bills and a payment id taken from the
-- payments identity sequence (ids may have gaps, as after any rollback); it plans the allocation (oldest bills
-- first, the surplus as prepayment), builds, hashes and chains the payment's entry against its cached head
-- exactly as before, and renders its response with that id. This function then does the whole write in the
-- statement's own transaction:
--   1. lock the community's head row (writers of one community serialise here, as before);
--   2. an idempotency key already stored: 'replayed' or 'key_reused', as ledger_post_entry (nothing written);
--   3. the unit's open bills are not exactly those planned against (ids in allocation order and what was paid
--      on each, compared under the lock): 'stale' with the current head; the service reads and plans again;
--   4. then ledger_post_entry (migration 0017) under the same lock: 'moved' when the head is not the one the
--      service hashed against (the service re-hashes the same plan and calls again), 'month_closed', or the
--      entry, its lines, the balances, the head and the key with the response written: 'posted';
--   5. posted: the payments row with the id taken in advance, its settlements, and the bills paid that far.
-- Anything else (an unknown unit, a reference used without its key) is decided by the transactional path or
-- refused by the tables' constraints, as before; the triggers still run.

CREATE FUNCTION ledger_post_payment(
    p_community      BIGINT,
    p_prev_seq       BIGINT,
    p_prev_hash      TEXT,
    p_key            TEXT,
    p_request_hash   TEXT,
    p_status         INTEGER,
    p_body           TEXT,
    p_entry_date     TEXT,
    p_memo           TEXT,
    p_fund           TEXT,
    p_kind           TEXT,
    p_reverses_seq   BIGINT,
    p_personal       BOOLEAN,
    p_entry_hash     TEXT,
    p_chain_hash     TEXT,
    p_created_at     TEXT,
    p_created_by     BIGINT,
    p_salt           TEXT,
    p_accounts       TEXT[],
    p_sides          TEXT[],
    p_amounts        BIGINT[],
    p_units          BIGINT[],
    p_bal_accounts   TEXT[],
    p_bal_debits     BIGINT[],
    p_bal_credits    BIGINT[],
    p_ubal_accounts  TEXT[],
    p_ubal_units     BIGINT[],
    p_ubal_debits    BIGINT[],
    p_ubal_credits   BIGINT[],
    p_payment_id     BIGINT,
    p_unit           BIGINT,
    p_external_ref   TEXT,
    p_channel        TEXT,
    p_amount         BIGINT,
    p_paid_on        TEXT,
    p_open_ids       BIGINT[],
    p_open_paid      BIGINT[],
    p_settle_ids     BIGINT[],
    p_settle_amounts BIGINT[])
RETURNS TABLE (outcome TEXT, head_seq BIGINT, head_chain_hash TEXT, status_code INTEGER, response_body TEXT)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    cur_seq   BIGINT;
    cur_hash  TEXT;
    k_hash    TEXT;
    k_status  INTEGER;
    k_body    TEXT;
    v_ids     BIGINT[];
    v_paid    BIGINT[];
    r         RECORD;
BEGIN
    SELECT c.head_seq, c.head_chain_hash INTO cur_seq, cur_hash FROM communities c WHERE c.id = p_community FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not_found: community % does not exist', p_community USING ERRCODE = 'no_data_found';
    END IF;

    SELECT k.request_hash, k.status_code, k.response_body INTO k_hash, k_status, k_body
      FROM idempotency_keys k WHERE k.community_id = p_community AND k.idem_key = p_key;
    IF FOUND THEN
        RETURN QUERY SELECT CASE WHEN k_hash = p_request_hash THEN 'replayed' ELSE 'key_reused' END,
            cur_seq, cur_hash, k_status, k_body;
        RETURN;
    END IF;

    -- The open bills in the order the service allocates over (FeeBook.PayAsync reads them in this order).
    SELECT COALESCE(array_agg(b.id ORDER BY b.month, b.kind, b.id), '{}'), COALESCE(array_agg(b.paid_fen ORDER BY b.month, b.kind, b.id), '{}')
      INTO v_ids, v_paid
      FROM bills b WHERE b.community_id = p_community AND b.unit_id = p_unit AND b.paid_fen < b.amount_fen;
    IF v_ids <> p_open_ids OR v_paid <> p_open_paid THEN
        RETURN QUERY SELECT 'stale'::TEXT, cur_seq, cur_hash, NULL::INTEGER, NULL::TEXT;
        RETURN;
    END IF;

    SELECT * INTO r FROM ledger_post_entry(p_community, p_prev_seq, p_prev_hash, p_key, p_request_hash, p_status, p_body,
        p_entry_date, p_memo, p_fund, p_kind, p_reverses_seq, p_personal, p_entry_hash, p_chain_hash, p_created_at, p_created_by, p_salt,
        p_accounts, p_sides, p_amounts, p_units, p_bal_accounts, p_bal_debits, p_bal_credits,
        p_ubal_accounts, p_ubal_units, p_ubal_debits, p_ubal_credits);
    IF r.outcome <> 'posted' THEN
        RETURN QUERY SELECT r.outcome, r.head_seq, r.head_chain_hash, r.status_code, r.response_body;
        RETURN;
    END IF;

    INSERT INTO payments (id, community_id, unit_id, external_ref, channel, amount_fen, paid_on, seq, created_at)
    OVERRIDING SYSTEM VALUE
    VALUES (p_payment_id, p_community, p_unit, p_external_ref, p_channel, p_amount, p_paid_on, r.head_seq, p_created_at);

    IF cardinality(p_settle_ids) > 0 THEN
        INSERT INTO settlements (community_id, bill_id, payment_id, seq, amount_fen, settled_on)
        SELECT p_community, v.id, p_payment_id, r.head_seq, v.amount, p_paid_on
          FROM unnest(p_settle_ids, p_settle_amounts) AS v (id, amount);
        UPDATE bills SET paid_fen = bills.paid_fen + v.amount
          FROM unnest(p_settle_ids, p_settle_amounts) AS v (id, amount)
         WHERE bills.community_id = p_community AND bills.id = v.id;
    END IF;

    RETURN QUERY SELECT r.outcome, r.head_seq, r.head_chain_hash, r.status_code, r.response_body;
END $$;
