-- Google Wallet (issue 13), continued.
-- The Google issuer a campaign's class, objects and save links use (an id of
-- google_issuers of the campaign's account); NULL: the account's default issuer.
ALTER TABLE campaigns ADD COLUMN google_issuer_id TEXT;

-- Google Wallet installs and uninstalls are counted apart from other Android wallets
-- (report counters installs_google_wallet / uninstalls_google_wallet, a part of the
-- android counters), back-filled from the events recorded so far.
INSERT INTO report_daily (campaign_id, day, counter, value)
SELECT campaign_id, substr(created_at, 1, 10),
       CASE kind WHEN 'installed' THEN 'installs_google_wallet' ELSE 'uninstalls_google_wallet' END,
       COUNT(*)
FROM events
WHERE wallet = 'google_wallet' AND kind IN ('installed', 'uninstalled')
GROUP BY campaign_id, substr(created_at, 1, 10), kind;
