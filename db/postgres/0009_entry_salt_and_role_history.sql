-- Security review (issue 10).
-- 1. Owner-specific entries carry a random salt inside their canonical form (DESIGN.md section 6),
--    stored with the entry: 16 random bytes as 32 lowercase hex characters. Older rows have none
--    and hash as before, so an existing chain still verifies.
ALTER TABLE entries ADD COLUMN salt TEXT CHECK (salt IS NULL OR salt ~ '^[0-9a-f]{32}$');
-- 2. Since when each role is held (published on /p/{c} and at GET …/roles); grants and removals
--    go to the audit trail. Memberships from before this migration have no date.
ALTER TABLE memberships ADD COLUMN granted_at TEXT;
