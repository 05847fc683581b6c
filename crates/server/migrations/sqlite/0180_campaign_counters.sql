-- The hot counters of a campaign move off the `campaigns` row (#12), into rows nothing
-- references:
-- - `campaign_codes`: the sequential code sequence (one row a campaign);
-- - `campaign_counters`: the pass counts, striped over 8 slots a campaign (on PostgreSQL a
--   transaction writes its connection's slot and readers sum them, so concurrent pass
--   writes of one campaign rarely wait for each other; SQLite writes slot 0).
-- - `report_daily` gets the same slots.
-- On PostgreSQL every pass, redeem and event row's foreign-key check locks the campaign
-- row; when every pass write also rewrote that row, its lockers piled up as multixacts and
-- a long soak on two processes collapsed in MultiXactMemberSLRU waits, and every pass
-- write of a campaign queued behind the one before it. SQLite gets the same schema, so the
-- model has one set of queries.
CREATE TABLE campaign_codes (
    campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    next_code INTEGER NOT NULL DEFAULT 1
);
INSERT INTO campaign_codes (campaign_id, next_code) SELECT id, next_code FROM campaigns;

CREATE TABLE campaign_counters (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    slot INTEGER NOT NULL,
    passes_count INTEGER NOT NULL DEFAULT 0,
    redeemed_count INTEGER NOT NULL DEFAULT 0,
    voided_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, slot)
);
WITH RECURSIVE slots(slot) AS (SELECT 0 UNION ALL SELECT slot + 1 FROM slots WHERE slot < 7)
INSERT INTO campaign_counters (campaign_id, slot, passes_count, redeemed_count, voided_count)
    SELECT c.id, s.slot,
           CASE WHEN s.slot = 0 THEN c.passes_count ELSE 0 END,
           CASE WHEN s.slot = 0 THEN c.redeemed_count ELSE 0 END,
           CASE WHEN s.slot = 0 THEN c.voided_count ELSE 0 END
    FROM campaigns c, slots s;

-- SQLite has one writer at a time, so its triggers need no stripes: they use slot 0.
DROP TRIGGER passes_voided_insert;
DROP TRIGGER passes_voided_delete;
DROP TRIGGER passes_voided_update;
CREATE TRIGGER passes_voided_insert AFTER INSERT ON passes WHEN new.voided <> 0 BEGIN
    UPDATE campaign_counters SET voided_count = voided_count + 1
        WHERE campaign_id = new.campaign_id AND slot = 0;
END;
CREATE TRIGGER passes_voided_delete AFTER DELETE ON passes WHEN old.voided <> 0 BEGIN
    UPDATE campaign_counters SET voided_count = voided_count - 1
        WHERE campaign_id = old.campaign_id AND slot = 0;
END;
CREATE TRIGGER passes_voided_update AFTER UPDATE OF voided ON passes
    WHEN (old.voided <> 0) <> (new.voided <> 0) BEGIN
    UPDATE campaign_counters
        SET voided_count = voided_count + (CASE WHEN new.voided <> 0 THEN 1 ELSE -1 END)
        WHERE campaign_id = new.campaign_id AND slot = 0;
END;

ALTER TABLE campaigns DROP COLUMN next_code;
ALTER TABLE campaigns DROP COLUMN passes_count;
ALTER TABLE campaigns DROP COLUMN redeemed_count;
ALTER TABLE campaigns DROP COLUMN voided_count;

CREATE TABLE report_daily_slots (
    campaign_id TEXT NOT NULL,
    day TEXT NOT NULL,
    counter TEXT NOT NULL,
    slot INTEGER NOT NULL DEFAULT 0,
    value INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day, counter, slot)
);
INSERT INTO report_daily_slots (campaign_id, day, counter, slot, value)
    SELECT campaign_id, day, counter, 0, value FROM report_daily;
DROP TABLE report_daily;
ALTER TABLE report_daily_slots RENAME TO report_daily;
