-- Teams (issue 16): people with roles, their console sessions, scoped API keys and the
-- audit log. E-mail addresses are stored lower case and are unique across the instance
-- (a person signs in with e-mail and password, without naming the organization).
-- Secrets (passwords, session tokens, key secrets, invitation tokens) are stored hashed.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    password_hash TEXT,
    invitation_hash TEXT UNIQUE,
    invitation_expires_at TEXT,
    last_sign_in_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_account ON users(account_id, created_at);

-- A session belongs to a person (user_id); `role` is for sessions without one (minted
-- for an external user by an integration), whose role is fixed when they are made.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    role TEXT,
    via TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id, created_at);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_by TEXT,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX api_keys_account ON api_keys(account_id, created_at);

-- Written once per change, never updated; rows older than the retention are deleted.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT,
    summary TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    attributes TEXT NOT NULL,
    ip TEXT,
    status INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX audit_events_account ON audit_events(account_id, created_at);
CREATE INDEX audit_events_created ON audit_events(created_at);
