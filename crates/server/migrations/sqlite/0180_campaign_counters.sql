-- The hot counters of a campaign (its code sequence and pass counts) move to a table of
-- their own that nothing references (#12). Every pass, redeem and event row references its
-- campaign, so on PostgreSQL each insert takes a KEY SHARE lock on the campaign row; when
-- the same row was also rewritten by every pass insert and redeem, those locks piled up as
-- multixacts and a long soak on two processes collapsed in MultiXactMemberSLRU waits.
-- SQLite gets the same schema, so the model has one set of queries.
CREATE TABLE campaign_counters (
    campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    next_code INTEGER NOT NULL DEFAULT 1,
    passes_count INTEGER NOT NULL DEFAULT 0,
    redeemed_count INTEGER NOT NULL DEFAULT 0,
    voided_count INTEGER NOT NULL DEFAULT 0
);
INSERT INTO campaign_counters (campaign_id, next_code, passes_count, redeemed_count, voided_count)
    SELECT id, next_code, passes_count, redeemed_count, voided_count FROM campaigns;

DROP TRIGGER passes_voided_insert;
DROP TRIGGER passes_voided_delete;
DROP TRIGGER passes_voided_update;
CREATE TRIGGER passes_voided_insert AFTER INSERT ON passes WHEN new.voided <> 0 BEGIN
    UPDATE campaign_counters SET voided_count = voided_count + 1
        WHERE campaign_id = new.campaign_id;
END;
CREATE TRIGGER passes_voided_delete AFTER DELETE ON passes WHEN old.voided <> 0 BEGIN
    UPDATE campaign_counters SET voided_count = voided_count - 1
        WHERE campaign_id = old.campaign_id;
END;
CREATE TRIGGER passes_voided_update AFTER UPDATE OF voided ON passes
    WHEN (old.voided <> 0) <> (new.voided <> 0) BEGIN
    UPDATE campaign_counters
        SET voided_count = voided_count + (CASE WHEN new.voided <> 0 THEN 1 ELSE -1 END)
        WHERE campaign_id = new.campaign_id;
END;

ALTER TABLE campaigns DROP COLUMN next_code;
ALTER TABLE campaigns DROP COLUMN passes_count;
ALTER TABLE campaigns DROP COLUMN redeemed_count;
ALTER TABLE campaigns DROP COLUMN voided_count;
