-- One rollup_pending row per append instead of one per customer of the append (issue 12.5). With batches of 100
-- events over 100 customers an append queued about 63 rows, 0.63 an event: each a heap tuple and two index entries
-- on insert, a deletion by the roller's claim, and a row in the claim's window over the whole queue. A row now names
-- the append's customers and, for each, where its slice of the seqs starts, so a read of one customer's usage still
-- reads only that customer's queued events (seqs[starts[i] .. starts[i + 1] - 1] for customers[i] = it).
ALTER TABLE rollup_pending ADD COLUMN customers TEXT[];
ALTER TABLE rollup_pending ADD COLUMN starts INTEGER[];
UPDATE rollup_pending SET customers = ARRAY[customer_id], starts = ARRAY[1];
ALTER TABLE rollup_pending ALTER COLUMN customers SET NOT NULL;
ALTER TABLE rollup_pending ALTER COLUMN starts SET NOT NULL;
-- Readers now scan the queue (a row per append waiting for the roller: a few hundred) instead of this index.
DROP INDEX rollup_pending_customer;
ALTER TABLE rollup_pending DROP COLUMN customer_id;
