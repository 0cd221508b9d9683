-- Limits on end users and dimensions (issue 13). end_user: count only that user's events. dimensions: count only
-- events holding every pair, written as key=LENGTH:value pairs one after another (keys are lower_snake_case; the
-- length makes any value safe without escaping), NULL for none. per: 'user' or 'dimensions.KEY', a counter per user
-- or per value of KEY.
ALTER TABLE limits ADD COLUMN end_user TEXT;
ALTER TABLE limits ADD COLUMN dimensions TEXT;
ALTER TABLE limits ADD COLUMN per TEXT;
