-- Events an operator let the projection go past (`flightdeck-backend park`), because this
-- version cannot read them. Not a projection of the log but a decision about it: a rebuild
-- keeps it (hence IF NOT EXISTS: the rebuild drops the projection's tables and migrates again).
CREATE TABLE IF NOT EXISTS parked (
    position   BIGINT PRIMARY KEY,
    stream     TEXT   NOT NULL,
    event_type TEXT   NOT NULL,
    reason     TEXT   NOT NULL,
    parked_at  TEXT   NOT NULL
);
