-- End users and dimensions (issue 13): an event's dimensions as a JSON object of strings, NULL when it has none.
-- The end user already has its column (user_id).
ALTER TABLE events ADD COLUMN dimensions TEXT;
