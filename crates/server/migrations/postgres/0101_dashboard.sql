-- The home dashboard (issue 15) reads an account's latest events and failures.
CREATE INDEX events_account ON events(account_id, created_at);
CREATE INDEX push_queue_account ON push_queue(account_id, status, created_at);
