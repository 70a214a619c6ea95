-- Lantern's first schema. One file per schema version; never edit a shipped file, add the next one.
-- Times are UTC ISO-8601 text ('2026-11-22T01:30:00+00:00'); nights are the user's local date.
-- No table holds a Telegram user id or message text by default: users are keyed by an HMAC.

CREATE TABLE users (
    user_key         TEXT PRIMARY KEY,          -- HMAC-SHA256 hex of the Telegram user id
    region           TEXT,                      -- 'US', 'UK', ...; NULL = the install's default
    time_zone        TEXT,                      -- IANA name; NULL = default for the region
    reminder_time    TEXT,                      -- 'HH:MM' in time_zone; NULL = reminders off
    reminder_chat_id INTEGER,                   -- kept only while reminders are on
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    CHECK ((reminder_time IS NULL) = (reminder_chat_id IS NULL))
) WITHOUT ROWID;

-- Only users with reminders on, so start-up reads exactly the jobs it must re-create.
CREATE INDEX users_with_reminders ON users (reminder_time) WHERE reminder_time IS NOT NULL;

CREATE TABLE checkins (
    id         INTEGER PRIMARY KEY,
    user_key   TEXT NOT NULL REFERENCES users (user_key) ON DELETE CASCADE,
    at         TEXT NOT NULL,                   -- when it was saved (UTC)
    night      TEXT NOT NULL,                   -- the user's local night, 'YYYY-MM-DD'
    mood       INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
    craving    INTEGER NOT NULL CHECK (craving BETWEEN 0 AND 3),
    note       TEXT CHECK (note IS NULL OR length(note) BETWEEN 1 AND 1000)  -- only if kept
);

CREATE INDEX checkins_by_user ON checkins (user_key, id);

-- Questions nothing matched, for operators improving the content. No user key, on purpose.
CREATE TABLE unmatched (
    text       TEXT PRIMARY KEY,                -- normalised text
    count      INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX unmatched_by_last_seen ON unmatched (last_seen);

-- How often crisis replies went out: category and UTC hour only, nothing about who.
CREATE TABLE escalations (
    hour     TEXT NOT NULL,                     -- 'YYYY-MM-DDTHH' (UTC)
    category TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (hour, category)
) WITHOUT ROWID;

CREATE TABLE usage_daily (
    day   TEXT NOT NULL,                        -- 'YYYY-MM-DD' (UTC)
    kind  TEXT NOT NULL,                        -- answer, fallback, clarify, checkin, ...
    count INTEGER NOT NULL,
    PRIMARY KEY (day, kind)
) WITHOUT ROWID;
