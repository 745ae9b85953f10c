-- Indexes for reading one period: a statement costs O(accounts + that period's rows), not O(history).
CREATE INDEX settlements_settled ON settlements (community_id, settled_on);
CREATE INDEX payments_paid ON payments (community_id, paid_on);
CREATE INDEX receipts_received ON receipts (community_id, received_on);
CREATE INDEX spending_requests_paid ON spending_requests (community_id, paid_on) WHERE status = 'paid';
