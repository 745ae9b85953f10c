-- Issue 18: the commit-time check of a large range of entries in sets, not entry by entry.
--
-- 0019 and 0021 check each queued entry with a LATERAL aggregate over its lines, and each line's account and unit
-- with a lookup by key: plan-proof, and cheap for a posting's one entry, but at a month close's 2,000 entries
-- about 28 us an entry (16,000 sub-plan runs; the account lookup ran twice per line, once for each use of its
-- value): 55 ms of a 12-month community's close one at a time, 80 ms with the rest of the commit-time work
-- (bench/README.md, 2026-11-30). A range of 32 entries or more is now read as two range scans, the range's
-- entries and its lines with their accounts and units, the lines grouped by entry, and the two compared in a
-- FULL JOIN (15 ms for the same 2,000 entries, EXPLAIN ANALYZE on a kept bench cluster).
--
-- The forms keep every plan bounded by the range and the community's own chart and units, whatever the
-- estimates (freshly written rows are estimated at one row): a FULL JOIN can only be a hash or merge join, never
-- a loop that reads the lines again per entry; a LEFT JOIN keeps its left side (the range) outside any nested
-- loop, so the accounts and units are either looked up by key per line or read once, for this community only
-- (the community is a constant of the query). The reversed entry is still looked up by key, only for an entry
-- that reverses one, so a community's older entries are never read. The same lines without an entry are found
-- (a FULL JOIN row with no entry), so the two range counts of 0021 are not needed on this path.
--
-- Shorter ranges (a posting, a payment) keep 0021's statements. Same rules, same SQLSTATEs and messages; when
-- a range breaks several rules, an entry's fault is named before a line without an entry, as before. An entry
-- with lines in two other funds may now name either of them.

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
            -- A line whose entry does not exist: every entry of the range has lines (checked above), so the range's
            -- lines name as many sequence numbers as it has entries unless one names none. Only then are the lines
            -- looked at one by one, to name the first.
            IF NOT FOUND
               AND (SELECT count(DISTINCT l.seq) FROM entry_lines l WHERE l.community_id = q.community_id AND l.seq BETWEEN q.first_seq AND q.last_seq)
                 > (SELECT count(*) FROM entries e WHERE e.community_id = q.community_id AND e.seq BETWEEN q.first_seq AND q.last_seq) THEN
                SELECT l.seq, l.line_no AS orphan_line INTO bad
                  FROM entry_lines l
                 WHERE l.community_id = q.community_id AND l.seq BETWEEN q.first_seq AND q.last_seq
                   AND (SELECT 1 FROM entries e WHERE e.community_id = l.community_id AND e.seq = l.seq) IS NULL
                 ORDER BY l.seq, l.line_no
                 LIMIT 1;
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
