-- A bill's settlements up to a date: (community, bill, date), so the planner never prefers the
-- date index for a per-bill sum (without statistics SQLite did, and scanned every settlement).
DROP INDEX settlements_bill;
CREATE INDEX settlements_bill ON settlements (community_id, bill_id, settled_on);
