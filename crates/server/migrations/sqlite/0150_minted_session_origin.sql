-- Who minted a console session (issue 18), kept on the session so the console's Sessions
-- page can say "via <key name> for <external user>": the id of the API key (or the API
-- username) that minted it and its name at that time (a key renamed or revoked later
-- still reads as it did), and the integration's label for its user. The one-time token
-- carries the name from the mint to the exchange. Sessions minted before this migration
-- keep only their audit label (`actor_label`).
ALTER TABLE console_tokens ADD COLUMN minted_by_name TEXT;
ALTER TABLE sessions ADD COLUMN minted_by TEXT;
ALTER TABLE sessions ADD COLUMN minted_by_name TEXT;
ALTER TABLE sessions ADD COLUMN external_user_label TEXT;
