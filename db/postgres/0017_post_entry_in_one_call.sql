-- Issue 18: a posting in one round trip (PostgreSQL only; SQLite is in-process and has no round trips to save).
-- The service validates, canonicalises, hashes and chains the entry exactly as before, against the head it
-- believes current (its cached head), and renders its response; this function then does the whole write in
-- the statement's own transaction (one call, committed with fsync and synchronous_commit as configured):
--   1. lock the community's head row (writers of one community serialise here, as before);
--   2. an idempotency key already stored: 'replayed' with the stored response when the request hash is the
--      same, 'key_reused' when it differs (nothing written);
--   3. the head is not the one the service hashed against (another instance, or a write the cache missed):
--      'moved' with the current head; the service re-hashes against it and calls again;
--   4. the entry's month is closed: 'month_closed' (nothing written; the service re-decides under the lock);
--   5. insert the entry and its lines, add to the account and unit balances, advance the head, store the
--      key with the response: 'posted'.
-- The triggers of the tables still run (immutability, closed month, balanced entry at commit).

CREATE FUNCTION ledger_post_entry(
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
    p_ubal_credits   BIGINT[])
RETURNS TABLE (outcome TEXT, head_seq BIGINT, head_chain_hash TEXT, status_code INTEGER, response_body TEXT)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    cur_seq   BIGINT;
    cur_hash  TEXT;
    k_hash    TEXT;
    k_status  INTEGER;
    k_body    TEXT;
    v_seq     BIGINT := p_prev_seq + 1;
    v_month   TEXT := substr(p_entry_date, 1, 7);
BEGIN
    SELECT c.head_seq, c.head_chain_hash INTO cur_seq, cur_hash FROM communities c WHERE c.id = p_community FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not_found: community % does not exist', p_community USING ERRCODE = 'no_data_found';
    END IF;

    IF p_key IS NOT NULL THEN
        SELECT k.request_hash, k.status_code, k.response_body INTO k_hash, k_status, k_body
          FROM idempotency_keys k WHERE k.community_id = p_community AND k.idem_key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT CASE WHEN k_hash = p_request_hash THEN 'replayed' ELSE 'key_reused' END,
                cur_seq, cur_hash, k_status, k_body;
            RETURN;
        END IF;
    END IF;

    IF cur_seq <> p_prev_seq OR cur_hash <> p_prev_hash THEN
        RETURN QUERY SELECT 'moved'::TEXT, cur_seq, cur_hash, NULL::INTEGER, NULL::TEXT;
        RETURN;
    END IF;

    IF EXISTS (SELECT 1 FROM closed_months m WHERE m.community_id = p_community AND m.month = v_month) THEN
        RETURN QUERY SELECT 'month_closed'::TEXT, cur_seq, cur_hash, NULL::INTEGER, NULL::TEXT;
        RETURN;
    END IF;

    INSERT INTO entries (community_id, seq, entry_date, month, memo, fund, kind, reverses_seq, personal, entry_hash, chain_hash, created_at, created_by, salt)
    VALUES (p_community, v_seq, p_entry_date, v_month, p_memo, p_fund, p_kind, p_reverses_seq, p_personal, p_entry_hash, p_chain_hash, p_created_at, p_created_by, p_salt);

    INSERT INTO entry_lines (community_id, seq, line_no, account_code, side, amount_fen, unit_id)
    SELECT p_community, v_seq, v.n, v.account_code, v.side, v.amount_fen, v.unit_id
      FROM unnest(p_accounts, p_sides, p_amounts, p_units) WITH ORDINALITY AS v (account_code, side, amount_fen, unit_id, n);

    -- The service sums the deltas per key, so no statement touches one row twice.
    INSERT INTO account_balances AS b (community_id, account_code, month, debit_fen, credit_fen)
    SELECT p_community, v.account_code, v_month, v.debit_fen, v.credit_fen
      FROM unnest(p_bal_accounts, p_bal_debits, p_bal_credits) AS v (account_code, debit_fen, credit_fen)
    ON CONFLICT (community_id, account_code, month) DO UPDATE
    SET debit_fen = b.debit_fen + excluded.debit_fen, credit_fen = b.credit_fen + excluded.credit_fen;

    IF cardinality(p_ubal_accounts) > 0 THEN
        INSERT INTO unit_balances AS b (community_id, account_code, unit_id, month, debit_fen, credit_fen)
        SELECT p_community, v.account_code, v.unit_id, v_month, v.debit_fen, v.credit_fen
          FROM unnest(p_ubal_accounts, p_ubal_units, p_ubal_debits, p_ubal_credits) AS v (account_code, unit_id, debit_fen, credit_fen)
        ON CONFLICT (community_id, account_code, unit_id, month) DO UPDATE
        SET debit_fen = b.debit_fen + excluded.debit_fen, credit_fen = b.credit_fen + excluded.credit_fen;
    END IF;

    UPDATE communities SET head_seq = v_seq, head_chain_hash = p_chain_hash WHERE id = p_community;

    IF p_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (community_id, idem_key, request_hash, status_code, response_body, created_at)
        VALUES (p_community, p_key, p_request_hash, p_status, p_body, p_created_at);
    END IF;

    RETURN QUERY SELECT 'posted'::TEXT, v_seq, p_chain_hash, p_status, p_body;
END $$;
