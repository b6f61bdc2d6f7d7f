-- Envelopes more than a degree wide or tall (movements between places far apart) get an R*Tree
-- of their own, events_rtree_wide; events_rtree keeps the rest (points and short lines). One
-- long movement among the 51 entries of a node widens that node to its span, and with one event
-- in twenty a movement nearly every node was wide: a small box met nodes of the whole region
-- and visited their entries, slice after slice. Queries ask both trees (store::sql::rtree_select);
-- writes put an entry in the tree its envelope belongs to (store::sqlite::write::Tree) and
-- delete it from both.
CREATE VIRTUAL TABLE events_rtree_wide USING rtree (id, min_x, max_x, min_y, max_y, min_t, max_t);

INSERT INTO events_rtree_wide (id, min_x, max_x, min_y, max_y, min_t, max_t)
SELECT id, min_x, max_x, min_y, max_y, min_t, max_t FROM events_rtree
WHERE max_x - min_x > 1.0 OR max_y - min_y > 1.0;

DELETE FROM events_rtree WHERE id IN (SELECT id FROM events_rtree_wide);
