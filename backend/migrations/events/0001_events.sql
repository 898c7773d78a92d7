-- The embedded event log. `position` orders the whole log; (stream, revision) orders a stream
-- and makes a second writer at the same revision fail instead of interleaving.
CREATE TABLE IF NOT EXISTS events (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    stream     TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    event_id   TEXT    NOT NULL UNIQUE,
    event_type TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    created    TEXT    NOT NULL,
    UNIQUE (stream, revision)
);
