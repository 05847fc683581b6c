-- Effective expiry for the expires_count report counter (§15): the pass's own expiration
-- date, else its campaign's, in the stored time format; each expired pass is counted once.
ALTER TABLE passes ADD COLUMN expires_at TEXT;
ALTER TABLE passes ADD COLUMN expiry_counted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN expires_at TEXT;
CREATE INDEX passes_expiry ON passes(expiry_counted, campaign_id);
