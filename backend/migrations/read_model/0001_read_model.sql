-- The read model: what the projections build from the event log, and nothing else. It can be
-- dropped and rebuilt from the log at any time (`flightdeck-backend --rebuild`).

CREATE TABLE flights (
    id               TEXT   PRIMARY KEY,
    origin           TEXT   NOT NULL,
    destination      TEXT   NOT NULL,
    flight_number    TEXT   NOT NULL,
    status           BIGINT NOT NULL,
    passenger_count  BIGINT NOT NULL DEFAULT 0,
    boarded_count    BIGINT NOT NULL DEFAULT 0,
    -- The log position that created the flight: lists keep creation order.
    created_position BIGINT NOT NULL
);

CREATE TABLE passengers (
    id                TEXT   PRIMARY KEY,
    flight_id         TEXT   NOT NULL,
    name              TEXT   NOT NULL,
    status            BIGINT NOT NULL,
    checkin_position  BIGINT NOT NULL
);
CREATE INDEX passengers_by_flight ON passengers (flight_id, checkin_position);

-- Every event as the audit log shows it, with the entity as it stood after the event.
CREATE TABLE audit_log (
    position     BIGINT PRIMARY KEY,
    stream       TEXT   NOT NULL,
    event_number BIGINT NOT NULL,
    event_id     TEXT   NOT NULL,
    event_type   TEXT   NOT NULL,
    operation    BIGINT NOT NULL,
    event_name   TEXT   NOT NULL,
    subject      TEXT   NOT NULL,
    created      TEXT   NOT NULL,
    data         TEXT   NOT NULL
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, position);

-- How far each projection has read the log; written in the transaction of the changes it covers.
CREATE TABLE checkpoints (
    name     TEXT   PRIMARY KEY,
    position BIGINT NOT NULL
);
