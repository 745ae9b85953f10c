-- Issue 18: the commit-time entry check of 0016 at less cost for a single posting. Measured idle
-- (bench/run.sh posting postgres): the deferred check was the largest statement per posting, two calls
-- of 0.38 ms, because a posting queued its entry twice (once from its entries statement, once from its
-- lines statement), and each call found its transaction's rows by scanning the whole queue table, dead
-- rows of earlier transactions included.
-- Now the queue is found by its transaction through an index, and a statement does not queue a range of
-- entries its own transaction has already queued: the check still runs at commit over the final rows of
-- every queued entry, so lines added in the same transaction to an entry queued by its entries statement
-- are checked as before; a line added in a later transaction is queued by that transaction.
-- Same rules, same messages (BalancedEntries tests).

CREATE INDEX entry_checks_xact ON entry_checks (xact, community_id);

CREATE OR REPLACE FUNCTION ledger_queue_entry_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entry_checks (community_id, first_seq, last_seq)
    SELECT n.community_id, min(n.seq), max(n.seq) FROM new_rows n
     GROUP BY n.community_id
    HAVING NOT EXISTS (SELECT 1 FROM entry_checks q
                        WHERE q.xact = pg_current_xact_id() AND q.community_id = n.community_id
                          AND q.first_seq <= min(n.seq) AND q.last_seq >= max(n.seq));
    RETURN NULL;
END $$;
