-- One queue engine (issue 11): every claim of a queue row stamps a claim token next to its
-- lease. Writes that settle a row are conditional on the token (fencing), so a holder
-- whose lease lapsed and was taken over cannot overwrite the new holder's result; the
-- heartbeat renews the lease of the rows a token still holds.
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE push_queue ADD COLUMN lease_owner TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN lease_owner TEXT;
CREATE INDEX jobs_lease_owner ON jobs(lease_owner);
CREATE INDEX push_queue_lease_owner ON push_queue(lease_owner);
CREATE INDEX webhook_deliveries_lease_owner ON webhook_deliveries(lease_owner);
