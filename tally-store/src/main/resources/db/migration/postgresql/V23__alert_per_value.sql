-- V23: an alert of a per limit (issue 13: "per": "user" or "dimensions.KEY") names the end user or dimension value
-- whose own counter reached the level; the value is also part of dedup_key, so each user's level fires once.
ALTER TABLE alerts ADD COLUMN per_value TEXT;
