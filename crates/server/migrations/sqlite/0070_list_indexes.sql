-- Lists independent of campaign size (#17). Every allow-listed filter and sort column of
-- the pass list gets an index that starts with the campaign and ends with the list's
-- tie-break (created_at, id), so a page of any order is a range scan of the index and a
-- deep page skips index entries, never table rows (the list selects the page's ids from
-- the index first). The per-campaign count of voided passes is kept by triggers, so
-- `X-Total` of the unfiltered list and of `q[voided_eq]` needs no count.
DROP INDEX IF EXISTS passes_campaign;
DROP INDEX IF EXISTS passes_campaign_code_all;
CREATE INDEX passes_campaign_created ON passes(campaign_id, created_at, id);
CREATE INDEX passes_campaign_id ON passes(campaign_id, id);
CREATE INDEX passes_campaign_serial ON passes(campaign_id, serial_number, created_at, id);
CREATE INDEX passes_campaign_code_all ON passes(campaign_id, redeem_code, created_at, id);
CREATE INDEX passes_campaign_voided ON passes(campaign_id, voided, created_at, id);
CREATE INDEX passes_campaign_redeemed_count ON passes(campaign_id, redeemed_count, created_at, id);
CREATE INDEX passes_campaign_redeemed_at ON passes(campaign_id, redeemed_at, created_at, id);
CREATE INDEX passes_campaign_updated ON passes(campaign_id, updated_at, created_at, id);
CREATE INDEX passes_campaign_fetched ON passes(campaign_id, last_fetched_at, created_at, id);
CREATE INDEX passes_account_created ON passes(account_id, created_at, id);

ALTER TABLE campaigns ADD COLUMN voided_count INTEGER NOT NULL DEFAULT 0;
UPDATE campaigns SET voided_count =
    (SELECT COUNT(*) FROM passes WHERE passes.campaign_id = campaigns.id AND passes.voided <> 0);

CREATE TRIGGER passes_voided_insert AFTER INSERT ON passes WHEN new.voided <> 0 BEGIN
    UPDATE campaigns SET voided_count = voided_count + 1 WHERE id = new.campaign_id;
END;
CREATE TRIGGER passes_voided_delete AFTER DELETE ON passes WHEN old.voided <> 0 BEGIN
    UPDATE campaigns SET voided_count = voided_count - 1 WHERE id = old.campaign_id;
END;
CREATE TRIGGER passes_voided_update AFTER UPDATE OF voided ON passes
    WHEN (old.voided <> 0) <> (new.voided <> 0) BEGIN
    UPDATE campaigns SET voided_count = voided_count + (CASE WHEN new.voided <> 0 THEN 1 ELSE -1 END)
        WHERE id = new.campaign_id;
END;
