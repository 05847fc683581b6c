-- The hot counters of a campaign move off the `campaigns` row (#12), into rows nothing
-- references:
-- - `campaign_codes`: the sequential code sequence (one row a campaign), drawn in a short
--   transaction of its own (`Db::draw_codes`);
-- - `campaign_counters`: the pass counts, striped over 8 slots a campaign. A transaction
--   adds to its connection's slot (`pg_backend_pid() % 8`: every counter one transaction
--   writes is in one slot, so two never lock slots in opposite orders) and readers sum
--   the slots, so concurrent pass writes of one campaign rarely wait for each other.
-- - `report_daily` gets the same slots.
-- Every pass, redeem and event row's foreign-key check locks the campaign row; when every
-- pass write also rewrote that row, its lockers piled up as multixacts and a long soak on
-- two processes collapsed in MultiXactMemberSLRU waits, and every pass write of a campaign
-- queued behind the one before it until its commit reached the disk.
CREATE TABLE campaign_codes (
    campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    next_code BIGINT NOT NULL DEFAULT 1
);
INSERT INTO campaign_codes (campaign_id, next_code) SELECT id, next_code FROM campaigns;

CREATE TABLE campaign_counters (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    slot SMALLINT NOT NULL,
    passes_count BIGINT NOT NULL DEFAULT 0,
    redeemed_count BIGINT NOT NULL DEFAULT 0,
    voided_count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, slot)
);
INSERT INTO campaign_counters (campaign_id, slot, passes_count, redeemed_count, voided_count)
    SELECT c.id, s.slot,
           CASE WHEN s.slot = 0 THEN c.passes_count ELSE 0 END,
           CASE WHEN s.slot = 0 THEN c.redeemed_count ELSE 0 END,
           CASE WHEN s.slot = 0 THEN c.voided_count ELSE 0 END
    FROM campaigns c, generate_series(0, 7) AS s(slot);

CREATE OR REPLACE FUNCTION passes_voided_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    slot_no SMALLINT := pg_backend_pid() % 8;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.voided <> 0 THEN
            UPDATE campaign_counters SET voided_count = voided_count + 1
                WHERE campaign_id = NEW.campaign_id AND slot = slot_no;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.voided <> 0 THEN
            UPDATE campaign_counters SET voided_count = voided_count - 1
                WHERE campaign_id = OLD.campaign_id AND slot = slot_no;
        END IF;
    ELSIF (OLD.voided <> 0) <> (NEW.voided <> 0) THEN
        UPDATE campaign_counters
            SET voided_count = voided_count + (CASE WHEN NEW.voided <> 0 THEN 1 ELSE -1 END)
            WHERE campaign_id = NEW.campaign_id AND slot = slot_no;
    END IF;
    RETURN NULL;
END $$;

ALTER TABLE campaigns DROP COLUMN next_code;
ALTER TABLE campaigns DROP COLUMN passes_count;
ALTER TABLE campaigns DROP COLUMN redeemed_count;
ALTER TABLE campaigns DROP COLUMN voided_count;

ALTER TABLE report_daily ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE report_daily DROP CONSTRAINT report_daily_pkey;
ALTER TABLE report_daily ADD PRIMARY KEY (campaign_id, day, counter, slot);
