-- Schema version 2: how often each intent answered, per UTC day, for the operators' "top intents".
-- Intent id and day only: nothing about who asked or what they wrote.

CREATE TABLE intent_daily (
    day    TEXT NOT NULL,                       -- 'YYYY-MM-DD' (UTC)
    intent TEXT NOT NULL,                       -- intent id from intents/*.yaml
    count  INTEGER NOT NULL,
    PRIMARY KEY (day, intent)
) WITHOUT ROWID;
