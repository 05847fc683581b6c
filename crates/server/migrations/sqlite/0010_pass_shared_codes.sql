-- Redeem codes are unique per campaign, except in `fixed` campaigns where every pass
-- carries the campaign's `code_fixed_value` (§6.5). The table-level UNIQUE of 0001 is
-- replaced by a partial unique index that skips passes with a shared code.
-- SQLite cannot drop a table constraint, so the table is rebuilt; rows of the tables that
-- reference passes are kept aside and restored (DROP TABLE cascades with foreign keys on).
CREATE TABLE bak_redeems_0010 AS SELECT * FROM redeems;
CREATE TABLE bak_registrations_0010 AS SELECT * FROM registrations;

CREATE TABLE passes_new (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    serial_number TEXT NOT NULL UNIQUE,
    authentication_token TEXT NOT NULL,
    download_token TEXT NOT NULL UNIQUE,
    redeem_code TEXT NOT NULL,
    voided INTEGER NOT NULL DEFAULT 0,
    redeemed_count INTEGER NOT NULL DEFAULT 0,
    redeemed_at TEXT,
    last_fetched_at TEXT,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    shared_code INTEGER NOT NULL DEFAULT 0
);
INSERT INTO passes_new (id, account_id, campaign_id, serial_number, authentication_token,
    download_token, redeem_code, voided, redeemed_count, redeemed_at, last_fetched_at, doc,
    created_at, updated_at)
SELECT id, account_id, campaign_id, serial_number, authentication_token, download_token,
    redeem_code, voided, redeemed_count, redeemed_at, last_fetched_at, doc, created_at,
    updated_at FROM passes;
DROP TABLE passes;
ALTER TABLE passes_new RENAME TO passes;
CREATE INDEX passes_campaign ON passes(campaign_id, created_at);
CREATE UNIQUE INDEX passes_campaign_code ON passes(campaign_id, redeem_code) WHERE shared_code = 0;
CREATE INDEX passes_campaign_code_all ON passes(campaign_id, redeem_code);

INSERT INTO redeems SELECT * FROM bak_redeems_0010 WHERE id NOT IN (SELECT id FROM redeems);
INSERT INTO registrations SELECT * FROM bak_registrations_0010
    WHERE id NOT IN (SELECT id FROM registrations);
DROP TABLE bak_redeems_0010;
DROP TABLE bak_registrations_0010;
