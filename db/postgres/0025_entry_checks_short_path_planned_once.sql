-- Issue 18: the short path of the commit-time check (a posting's range of fewer than 32 entries) without planning
-- at every call.
--
-- Measured (bench/README.md, 2026-12-01): with the tables' statistics current, plpgsql's plan cache re-planned the
-- short path's search for a line without an entry at every call (1,891 plans in 1,890 calls, 0.145 ms of planning
-- each, pg_stat_statements.track_planning). Its custom plan for one sequence number always looked cheaper than the
-- generic plan for an unknown range.
--
-- Now that search is its own function, ledger_orphan_line. Its one statement keeps a generic plan:
-- plan_cache_mode = force_generic_plan is set on that function only. It looks at the range's lines straight away,
-- each line's entry by its key, so it finds the same first line without the two counts. On current statistics the
-- generic plan reads the lines and the entries through their primary keys. The long path (a month close's entries) is
-- unchanged.
--
-- Tried and dropped: writing the short path's ranges as row comparisons on (community, seq), so that only the primary
-- keys could serve them whatever the statistics. The entry statement then cost 1 ms a call, and posting at 32 x 32
-- fell to a third.
--
-- Same rules, same SQLSTATEs and messages. An entry's fault is still named before a line without an entry.

CREATE FUNCTION ledger_orphan_line(p_community BIGINT, p_first BIGINT, p_last BIGINT, OUT seq BIGINT, OUT line_no INTEGER)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    SELECT l.seq, l.line_no INTO seq, line_no
      FROM entry_lines l
     WHERE l.community_id = p_community AND l.seq BETWEEN p_first AND p_last
       AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.community_id = l.community_id AND e.seq = l.seq)
     ORDER BY l.seq, l.line_no
     LIMIT 1;
END $$;

CREATE OR REPLACE FUNCTION ledger_check_queued_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    q RECORD;
    bad RECORD;
    codes TEXT[];
    funds_of TEXT[];
BEGIN
    FOR q IN
        WITH mine AS (
            DELETE FROM entry_checks WHERE xact = pg_current_xact_id() RETURNING community_id, first_seq, last_seq
        )
        SELECT community_id, first_seq, last_seq FROM mine ORDER BY community_id, first_seq
    LOOP
        IF q.last_seq - q.first_seq < 31 THEN
            SELECT e.seq, NULL::INTEGER AS orphan_line, e.fund, e.reverses_seq, x.line_count, x.other_fund, x.no_account, x.no_unit, r.no_fund, r.no_reversed
              INTO bad
              FROM entries e
             CROSS JOIN LATERAL (
                    SELECT (SELECT 1 FROM funds f WHERE f.community_id = e.community_id AND f.code = e.fund) IS NULL AS no_fund,
                           (e.reverses_seq IS NOT NULL
                            AND (SELECT 1 FROM entries v WHERE v.community_id = e.community_id AND v.seq = e.reverses_seq) IS NULL) AS no_reversed) r
             CROSS JOIN LATERAL (
                    SELECT count(*) AS line_count, min(ll.fund) FILTER (WHERE ll.fund <> e.fund) AS other_fund,
                           sum(CASE WHEN ll.side = 'D' THEN ll.amount_fen ELSE -ll.amount_fen END) AS net,
                           min(ll.account_code) FILTER (WHERE ll.fund IS NULL) AS no_account,
                           min(ll.unit_id) FILTER (WHERE ll.unit_id IS NOT NULL AND ll.unit IS NULL) AS no_unit
                      FROM (SELECT l.side, l.amount_fen, l.account_code, l.unit_id,
                                   (SELECT a.fund FROM accounts a WHERE a.community_id = l.community_id AND a.code = l.account_code) AS fund,
                                   CASE WHEN l.unit_id IS NOT NULL
                                        THEN (SELECT 1 FROM units u WHERE u.community_id = l.community_id AND u.id = l.unit_id) END AS unit
                              FROM entry_lines l
                             WHERE l.community_id = e.community_id AND l.seq = e.seq
                            OFFSET 0) ll) x
             WHERE e.community_id = q.community_id AND e.seq BETWEEN q.first_seq AND q.last_seq
               AND (x.line_count < 2 OR x.other_fund IS NOT NULL OR x.net <> 0 OR x.no_account IS NOT NULL OR x.no_unit IS NOT NULL
                    OR r.no_fund OR r.no_reversed)
             ORDER BY e.seq
             LIMIT 1;
            -- A line whose entry does not exist, the first by sequence number and line (ledger_orphan_line).
            IF NOT FOUND THEN
                SELECT o.seq, o.line_no AS orphan_line INTO bad
                  FROM ledger_orphan_line(q.community_id, q.first_seq, q.last_seq) o
                 WHERE o.seq IS NOT NULL;
            END IF;
        ELSE
            -- The community's chart, read once: each line's account is found in it without a join, whose plan would
            -- depend on estimates (a loop over the chart per line when the tables have no statistics yet).
            SELECT array_agg(a.code), array_agg(a.fund) INTO codes, funds_of FROM accounts a WHERE a.community_id = q.community_id;
            SELECT coalesce(e.seq, x.seq) AS seq, CASE WHEN e.seq IS NULL THEN x.first_line END AS orphan_line,
                   e.fund, e.reverses_seq, coalesce(x.line_count, 0) AS line_count,
                   CASE WHEN x.min_fund <> e.fund THEN x.min_fund WHEN x.max_fund <> e.fund THEN x.max_fund END AS other_fund,
                   x.no_account, x.no_unit, e.no_fund, e.no_reversed
              INTO bad
              FROM (SELECT e.seq, e.fund, e.reverses_seq,
                           (SELECT 1 FROM funds f WHERE f.community_id = e.community_id AND f.code = e.fund) IS NULL AS no_fund,
                           (e.reverses_seq IS NOT NULL
                            AND (SELECT 1 FROM entries v WHERE v.community_id = e.community_id AND v.seq = e.reverses_seq) IS NULL) AS no_reversed
                      FROM entries e
                     WHERE e.community_id = q.community_id AND e.seq BETWEEN q.first_seq AND q.last_seq) e
              FULL JOIN (
                    SELECT ll.seq, count(*) AS line_count, min(ll.line_no) AS first_line,
                           min(ll.fund) AS min_fund, max(ll.fund) AS max_fund,
                           sum(CASE WHEN ll.side = 'D' THEN ll.amount_fen ELSE -ll.amount_fen END) AS net,
                           min(ll.account_code) FILTER (WHERE ll.fund IS NULL) AS no_account,
                           min(ll.unit_id) FILTER (WHERE ll.unit_id IS NOT NULL AND ll.unit IS NULL) AS no_unit
                      FROM (SELECT l.seq, l.line_no, l.side, l.amount_fen, l.account_code, l.unit_id,
                                   funds_of[array_position(codes, l.account_code)] AS fund,
                                   CASE WHEN l.unit_id IS NOT NULL
                                        THEN (SELECT 1 FROM units u WHERE u.community_id = l.community_id AND u.id = l.unit_id) END AS unit
                              FROM entry_lines l
                             WHERE l.community_id = q.community_id AND l.seq BETWEEN q.first_seq AND q.last_seq
                            OFFSET 0) ll
                     GROUP BY ll.seq) x ON x.seq = e.seq
             WHERE e.seq IS NULL OR x.seq IS NULL OR x.line_count < 2 OR x.min_fund <> e.fund OR x.max_fund <> e.fund
                OR x.net <> 0 OR x.no_account IS NOT NULL OR x.no_unit IS NOT NULL OR e.no_fund OR e.no_reversed
             ORDER BY e.seq IS NULL, coalesce(e.seq, x.seq)
             LIMIT 1;
        END IF;
        IF bad.orphan_line IS NOT NULL THEN
            RAISE EXCEPTION 'reference_missing: line % of entry % of community % has no entry', bad.orphan_line, bad.seq, q.community_id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF bad.seq IS NOT NULL THEN
            IF bad.no_fund THEN
                RAISE EXCEPTION 'reference_missing: entry % of community % is in fund %, which does not exist',
                    bad.seq, q.community_id, bad.fund USING ERRCODE = 'foreign_key_violation';
            END IF;
            IF bad.no_reversed THEN
                RAISE EXCEPTION 'reference_missing: entry % of community % reverses entry %, which does not exist',
                    bad.seq, q.community_id, bad.reverses_seq USING ERRCODE = 'foreign_key_violation';
            END IF;
            IF bad.no_account IS NOT NULL THEN
                RAISE EXCEPTION 'reference_missing: a line of entry % of community % names account %, which does not exist',
                    bad.seq, q.community_id, bad.no_account USING ERRCODE = 'foreign_key_violation';
            END IF;
            IF bad.no_unit IS NOT NULL THEN
                RAISE EXCEPTION 'reference_missing: a line of entry % of community % names unit %, which does not exist',
                    bad.seq, q.community_id, bad.no_unit USING ERRCODE = 'foreign_key_violation';
            END IF;
            IF bad.line_count < 2 THEN
                RAISE EXCEPTION 'entry_unbalanced: entry % of community % has % line(s); an entry has two or more',
                    bad.seq, q.community_id, bad.line_count USING ERRCODE = 'check_violation';
            END IF;
            IF bad.other_fund IS NOT NULL THEN
                RAISE EXCEPTION 'fund_mismatch: entry % of community % is in the % fund but has a line in the % fund',
                    bad.seq, q.community_id, bad.fund, bad.other_fund USING ERRCODE = 'check_violation';
            END IF;
            RAISE EXCEPTION 'entry_unbalanced: entry % of community %: debits differ from credits in the % fund',
                bad.seq, q.community_id, bad.fund USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
