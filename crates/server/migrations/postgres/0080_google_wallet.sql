-- Google Wallet (issue 13).
-- Issuers: a Google issuer id with the service account that signs save links and calls
-- the REST API. The private key is encrypted with the master key like certificate keys.
-- account_id NULL is the instance-wide development service account (made on first use;
-- Google refuses what it signs).
CREATE TABLE google_issuers (
    id TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    issuer_id TEXT NOT NULL,
    client_email TEXT NOT NULL,
    token_uri TEXT NOT NULL,
    private_key_id TEXT,
    key_encrypted TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    development BIGINT NOT NULL DEFAULT 0,
    is_default BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX google_issuers_account ON google_issuers(account_id, created_at);

-- One row per pass kept at Google: the sync queue (id, locked_until, lease_owner) and the
-- pass's sync state. A row is due when the pass, its campaign or its last push is newer
-- than what was last sent.
CREATE TABLE google_objects (
    id TEXT PRIMARY KEY,
    pass_id TEXT NOT NULL UNIQUE REFERENCES passes(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    pass_version TEXT NOT NULL DEFAULT '',
    campaign_version TEXT NOT NULL DEFAULT '',
    push_version TEXT NOT NULL DEFAULT '',
    inserted BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    lease_owner TEXT,
    synced_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX google_objects_due ON google_objects(next_attempt_at);
CREATE INDEX google_objects_campaign ON google_objects(campaign_id);
CREATE INDEX google_objects_lease_owner ON google_objects(lease_owner);

-- The campaign version each class was last sent at.
CREATE TABLE google_classes (
    campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    campaign_version TEXT NOT NULL
);

-- Messages sent with addMessage, for Google's quota (3 per pass per 24 hours).
CREATE TABLE google_messages (
    id TEXT PRIMARY KEY,
    pass_id TEXT NOT NULL REFERENCES passes(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE INDEX google_messages_pass ON google_messages(pass_id, sent_at);

-- Nonces of the save/delete callbacks received, so that a repeated callback counts once.
CREATE TABLE google_callbacks (
    nonce TEXT PRIMARY KEY,
    pass_id TEXT,
    event_type TEXT NOT NULL,
    received_at TEXT NOT NULL
);
