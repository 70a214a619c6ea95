-- Schema version 3: unmatched questions carry the asker's pseudonymous key, so /forget removes them,
-- and are scrubbed of phone numbers, emails, addresses and names before they are written.
-- Rows kept before this version can be neither attributed nor scrubbed: they are dropped.

DROP TABLE unmatched;

CREATE TABLE unmatched (
    text       TEXT NOT NULL,                   -- normalised, scrubbed text
    user_key   TEXT NOT NULL,                   -- who asked (HMAC), so /forget deletes it
    count      INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (text, user_key)
) WITHOUT ROWID;

CREATE INDEX unmatched_by_last_seen ON unmatched (last_seen);
CREATE INDEX unmatched_by_user ON unmatched (user_key);
