-- What a search of the audit log matches (flight number, passenger name, event name and type),
-- lowercased by the projection. Entries written before this column existed are found after a
-- rebuild (`flightdeck-backend --rebuild`).
ALTER TABLE audit_log ADD COLUMN search TEXT NOT NULL DEFAULT '';
