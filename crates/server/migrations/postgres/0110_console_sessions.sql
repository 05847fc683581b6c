-- Console sessions minted by an integration (issue 18). An integration (an API key or
-- the organization's API username) asks for a one-time token for one organization (its
-- own or a child), a role and optionally some campaigns; the console exchanges the token,
-- once, for a session. Tokens are stored hashed and deleted when exchanged.
CREATE TABLE console_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    campaign_ids TEXT,
    external_user_id TEXT NOT NULL,
    external_user_label TEXT,
    allowed_origin TEXT NOT NULL,
    actor_label TEXT NOT NULL,
    minted_by TEXT NOT NULL,
    session_seconds BIGINT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX console_tokens_expires ON console_tokens(expires_at);

-- A minted session: the campaigns it is restricted to (JSON array; NULL for all), the
-- external user it was minted for and how the audit log names it.
ALTER TABLE sessions ADD COLUMN campaign_ids TEXT;
ALTER TABLE sessions ADD COLUMN external_user_id TEXT;
ALTER TABLE sessions ADD COLUMN actor_label TEXT;
