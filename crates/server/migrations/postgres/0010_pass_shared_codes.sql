-- Redeem codes are unique per campaign, except in `fixed` campaigns where every pass
-- carries the campaign's `code_fixed_value` (§6.5). The table-level UNIQUE of 0001 is
-- replaced by a partial unique index that skips passes with a shared code.
ALTER TABLE passes DROP CONSTRAINT IF EXISTS passes_campaign_id_redeem_code_key;
ALTER TABLE passes ADD COLUMN shared_code BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX passes_campaign_code ON passes(campaign_id, redeem_code) WHERE shared_code = 0;
CREATE INDEX passes_campaign_code_all ON passes(campaign_id, redeem_code);
