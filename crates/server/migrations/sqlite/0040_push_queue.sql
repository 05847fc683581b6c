-- Pass lifecycle (issue 5): the durable APNs push queue and per-pass update state.

-- One APNs notification to one device token (topic = pass type identifier). Claimed by
-- the push worker with a lease (`locked_until`; on PostgreSQL also SKIP LOCKED).
-- `status`: pending, sent, failed (given up) or dropped (token reported dead by APNs).
CREATE TABLE push_queue (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    pass_id TEXT NOT NULL,
    device_library_id TEXT NOT NULL,
    push_token TEXT NOT NULL,
    pass_type_identifier TEXT NOT NULL,
    certificate_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error TEXT,
    next_attempt_at TEXT,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX push_queue_due ON push_queue(status, next_attempt_at);
CREATE INDEX push_queue_token ON push_queue(push_token, pass_type_identifier, status);

-- When a pass was last pushed without a data change (C7/P6) and the lock-screen messages
-- (field key -> changeMessage) the next version of the pass carries. The PassKit web
-- service's update tag is the later of passes.updated_at and pushed_at.
-- No foreign key on purpose: rows of a deleted pass are harmless and table rebuilds of
-- passes (SQLite) must not cascade into this table.
CREATE TABLE pass_updates (
    pass_id TEXT PRIMARY KEY,
    pushed_at TEXT NOT NULL,
    change_messages TEXT NOT NULL DEFAULT '{}'
);

-- The PassKit web service looks registrations up by device.
CREATE INDEX registrations_device ON registrations(device_library_id);
-- Jobs are listed per account.
CREATE INDEX jobs_account ON jobs(account_id, created_at);
