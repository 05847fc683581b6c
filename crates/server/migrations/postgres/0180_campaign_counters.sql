-- The hot counters of a campaign (its code sequence and pass counts) move to a table of
-- their own that nothing references (#12). Every pass, redeem and event row references its
-- campaign, so each insert takes a KEY SHARE lock on the campaign row; when the same row was
-- also rewritten by every pass insert and redeem, those locks piled up as multixacts and a
-- long soak on two processes collapsed in MultiXactMemberSLRU waits.
CREATE TABLE campaign_counters (
    campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    next_code BIGINT NOT NULL DEFAULT 1,
    passes_count BIGINT NOT NULL DEFAULT 0,
    redeemed_count BIGINT NOT NULL DEFAULT 0,
    voided_count BIGINT NOT NULL DEFAULT 0
);
INSERT INTO campaign_counters (campaign_id, next_code, passes_count, redeemed_count, voided_count)
    SELECT id, next_code, passes_count, redeemed_count, voided_count FROM campaigns;

CREATE OR REPLACE FUNCTION passes_voided_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.voided <> 0 THEN
            UPDATE campaign_counters SET voided_count = voided_count + 1
                WHERE campaign_id = NEW.campaign_id;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.voided <> 0 THEN
            UPDATE campaign_counters SET voided_count = voided_count - 1
                WHERE campaign_id = OLD.campaign_id;
        END IF;
    ELSIF (OLD.voided <> 0) <> (NEW.voided <> 0) THEN
        UPDATE campaign_counters
            SET voided_count = voided_count + (CASE WHEN NEW.voided <> 0 THEN 1 ELSE -1 END)
            WHERE campaign_id = NEW.campaign_id;
    END IF;
    RETURN NULL;
END $$;

ALTER TABLE campaigns DROP COLUMN next_code;
ALTER TABLE campaigns DROP COLUMN passes_count;
ALTER TABLE campaigns DROP COLUMN redeemed_count;
ALTER TABLE campaigns DROP COLUMN voided_count;
