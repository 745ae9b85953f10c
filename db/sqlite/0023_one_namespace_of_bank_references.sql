-- Owners' payments, public receipts and paid spending requests share one namespace of bank references per
-- community (DESIGN.md 9); the service checks it under the write lock (FeeBook.ReferenceUsesSql), which on SQLite
-- is the one writer transaction. Paid spending requests are looked up by their bank reference: an index for it.

CREATE INDEX spending_requests_bank_ref ON spending_requests (community_id, bank_ref) WHERE bank_ref IS NOT NULL;
