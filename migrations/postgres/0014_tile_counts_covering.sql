-- The tile count table read without its heap (issue 20, tiles on PostgreSQL at 1,000,000 events).
--
-- A low-zoom tile sums tens of thousands of rows of `event_tile_counts` (79,366 for the world
-- over all time at 1,000,000 events). The rows were written in the order events arrived, so the
-- bitmap heap scan that fetched them read about 8,000 scattered pages: 290 ms warm, 1.2 s cold,
-- on the bench's database under load, against 15-100 ms for the same rows read from an index
-- alone. The primary key now carries the counts (INCLUDE), so the plan is an index-only scan of
-- the key's order; the visibility map that allows it is kept fresh by vacuuming this table
-- sooner than the default.
--
-- A tile also tests its columns with `cell % 512`, which the planner estimated as a third of a
-- third of the rows, choosing a sort (spilled to disk) over a hash for the sums; statistics on
-- that expression give it the right size.
ALTER TABLE event_tile_counts DROP CONSTRAINT event_tile_counts_pkey;
ALTER TABLE event_tile_counts ADD PRIMARY KEY (days, block, cell, category) INCLUDE (n, sum_lon, sum_lat);
ALTER TABLE event_tile_counts SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);
CREATE STATISTICS event_tile_counts_column ON (cell % 512) FROM event_tile_counts;
ANALYZE event_tile_counts;
