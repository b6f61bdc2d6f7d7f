-- A webhook whose filters cannot be used (a place no longer known) says so instead of being
-- skipped in silence: why, and since when (ms since the epoch). Both NULL while it works.
ALTER TABLE webhooks ADD COLUMN last_error TEXT;
ALTER TABLE webhooks ADD COLUMN failing_since INTEGER;
