-- Owners' payments, public receipts and paid spending requests share one namespace of bank references per
-- community (DESIGN.md 9: a bank line is matched to the books by its reference, and one bank movement is booked
-- once). The service checks the namespace under the community's write lock (FeeBook.ReferenceUsesSql); the one
-- payment path that reads without the lock is rechecked here, under the head lock ledger_post_payment takes:
-- a reference taken in between answers 'stale', so the service reads again and refuses the payment.
-- The function is 0020's with that one check added after the idempotency key (a replay still replays).
--
-- Paid spending requests are looked up by their bank reference: an index for it.

CREATE INDEX spending_requests_bank_ref ON spending_requests (community_id, bank_ref) WHERE bank_ref IS NOT NULL;

CREATE OR REPLACE FUNCTION ledger_post_payment(
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

    -- One namespace of bank references per community: a payment, a receipt or a paid spending request that took
    -- this reference after the service read without a lock makes the plan stale; the service reads again, finds
    -- the reference used and decides it under the lock on the transactional path (409 external_ref_used).
    IF EXISTS (SELECT 1 FROM payments p WHERE p.community_id = p_community AND p.external_ref = p_external_ref)
       OR EXISTS (SELECT 1 FROM receipts x WHERE x.community_id = p_community AND x.external_ref = p_external_ref)
       OR EXISTS (SELECT 1 FROM spending_requests s WHERE s.community_id = p_community AND s.bank_ref = p_external_ref) THEN
        RETURN QUERY SELECT 'stale'::TEXT, cur_seq, cur_hash, NULL::INTEGER, NULL::TEXT;
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
