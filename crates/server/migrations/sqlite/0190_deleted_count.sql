-- How many passes a campaign has lost to deletion, ever (striped like the other counts,
-- readers sum the slots). It only grows: a deep page of the campaign's pass list keeps
-- anchors (the keys at every 1,000th position) while this number is unchanged, since only
-- a deletion moves a pass to an earlier position (src/positions.rs).
ALTER TABLE campaign_counters ADD COLUMN deleted_count BIGINT NOT NULL DEFAULT 0;
