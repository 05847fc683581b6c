-- The expiry sweep (model/expiry.rs) finds the passes that are due through this index:
-- those with their own date by a range of `expires_at`, those that follow their campaign's
-- by an equality (`expires_at IS NULL`) per expired campaign. The index it replaces led
-- with `expiry_counted` only, so every sweep (once a minute, and before each report) read
-- every uncounted pass: 1.6 s at a million passes.
DROP INDEX passes_expiry;
CREATE INDEX passes_expiry_due ON passes(expiry_counted, expires_at, campaign_id);
