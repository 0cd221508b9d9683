-- V22: the rollup tables keep half of each page free, so that a roller pass updates every row in place.
-- A pass of the roller (QueuedRollups) updates each touched rollup row once. An update is a HOT update (no new
-- index entries, one WAL record) only if the new version fits on the row's own page; at fillfactor 80 (100 for the
-- end user tables) a page had room for the new versions of about a fifth of its rows, so most updates of a pass
-- went to other pages and added an entry to every index of the table (measured: 0.2 of 0.43 usage_rollup updates
-- per event HOT, 0.04 of 0.31 for user_rollup). At 50 every row's next version fits beside it; the version it
-- replaces is pruned when a later pass reads the page. Existing pages keep their old fill until they are rewritten;
-- new rows (each new minute, hour, day and month) get the new one.
ALTER TABLE usage_rollup SET (fillfactor = 50);
ALTER TABLE usage_rollup_metric SET (fillfactor = 50);
ALTER TABLE latency_rollup SET (fillfactor = 50);
ALTER TABLE user_rollup SET (fillfactor = 50);
ALTER TABLE dimension_rollup SET (fillfactor = 50);
