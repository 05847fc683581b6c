-- Single sign-on (issue 16): OpenID Connect authorization requests waiting for the
-- provider's redirect (PKCE verifier and nonce), keyed by the hash of their state.
CREATE TABLE sso_attempts (
    state_hash TEXT PRIMARY KEY,
    code_verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sso_attempts_created ON sso_attempts(created_at);
