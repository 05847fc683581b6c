-- Initial schema (SQLite dialect). Keep in step with ../postgres/0001_init.sql.
-- Conventions: ids are UUID text, timestamps are fixed-width ISO-8601 UTC text
-- (YYYY-MM-DDTHH:MM:SS.ffffffZ, so text order is time order), booleans are 0/1 integers,
-- structured attributes are JSON text in `doc` columns.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    api_username TEXT NOT NULL UNIQUE,
    api_key_hash TEXT NOT NULL,
    can_manage_organizations INTEGER NOT NULL DEFAULT 0,
    webhook_url TEXT,
    webhook_token TEXT NOT NULL,
    locked_at TEXT,
    default_certificate_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX accounts_parent ON accounts(parent_id, created_at);

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    asset_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    sha1 TEXT NOT NULL,
    png BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX assets_account ON assets(account_id, created_at);

CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    -- NULL: the instance-wide development certificate, visible to every account.
    account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    team_identifier TEXT NOT NULL,
    pass_type_identifier TEXT NOT NULL,
    issued_to TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    development INTEGER NOT NULL DEFAULT 0,
    cert_pem TEXT NOT NULL,
    key_encrypted TEXT NOT NULL,
    wwdr_pem TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX certificates_account ON certificates(account_id, created_at);

CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    pass_type TEXT NOT NULL,
    source TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX templates_account ON templates(account_id, created_at);

-- Which assets a template references (for the in-use and delete_assets rules).
CREATE TABLE template_assets (
    template_id TEXT NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL,
    PRIMARY KEY (template_id, asset_id)
);
CREATE INDEX template_assets_asset ON template_assets(asset_id);

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    campaign_type TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    template_id TEXT NOT NULL,
    certificate_id TEXT,
    code_type TEXT NOT NULL,
    next_code INTEGER NOT NULL DEFAULT 1,
    passes_count INTEGER NOT NULL DEFAULT 0,
    redeemed_count INTEGER NOT NULL DEFAULT 0,
    page_token TEXT NOT NULL UNIQUE,
    distribution_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    UNIQUE (account_id, campaign_type, name)
);
CREATE INDEX campaigns_account ON campaigns(account_id, campaign_type, created_at);

CREATE TABLE passes (
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
    UNIQUE (campaign_id, redeem_code)
);
CREATE INDEX passes_campaign ON passes(campaign_id, created_at);

CREATE TABLE redeems (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    pass_id TEXT NOT NULL REFERENCES passes(id) ON DELETE CASCADE,
    comment TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX redeems_campaign ON redeems(campaign_id, created_at);
CREATE INDEX redeems_pass ON redeems(pass_id, created_at);

CREATE TABLE registrations (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    pass_id TEXT NOT NULL REFERENCES passes(id) ON DELETE CASCADE,
    device_library_id TEXT NOT NULL,
    push_token TEXT NOT NULL,
    wallet TEXT NOT NULL,
    device_os TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (device_library_id, pass_id)
);
CREATE INDEX registrations_campaign ON registrations(campaign_id, created_at);
CREATE INDEX registrations_pass ON registrations(pass_id, created_at);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    pass_id TEXT,
    kind TEXT NOT NULL,
    device_os TEXT,
    wallet TEXT,
    ip TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX events_campaign ON events(campaign_id, created_at);

-- Daily roll-up of the counters of §15, one row per campaign and day.
CREATE TABLE report_daily (
    campaign_id TEXT NOT NULL,
    day TEXT NOT NULL,
    counter TEXT NOT NULL,
    value INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day, counter)
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_response TEXT,
    last_attempt_at TEXT,
    next_attempt_at TEXT,
    locked_until TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_account ON webhook_deliveries(account_id, created_at);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    campaign_id TEXT,
    state TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    processed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_state ON jobs(state, created_at);

-- Fixed-window request counters shared by every server process (§3).
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- Instance-wide settings (e.g. the id of the development certificate).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
