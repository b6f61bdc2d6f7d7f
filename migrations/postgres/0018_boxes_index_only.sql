-- A box's candidates read from its indexes alone (issue 20). Every GiST index a box query starts
-- from carries the columns that the tests of a box, a window, a category or a status read, so
-- that a probe, a bounded count and a page's keys are index-only scans instead of one visit to
-- the table per candidate (events lie in the table in the order they came, so each candidate
-- was a page of its own: 565 candidates of a 0.5 degree box over a year read 1,334 pages at
-- 1,000,000 events).
--
-- Over all time the space-time index is a poor guide (see src/store/sql/gist.rs); the geometry's
-- 2D index that served such boxes gives way to one on the envelope's own columns, which PostGIS
-- builds sorted along a curve (about 2.5 s for 1,000,000 events) and whose included columns
-- stand for the geometry.
--
-- A small box over a long window takes its narrow envelopes (at most a degree wide and tall:
-- points, short lines) from a 2D index of their own, testing the window on its entries, and the
-- wide ones (movements) from a space-time index of their own, as SQLite keeps them in two
-- R*Trees (its migration 0015): the space-time index of all events, built one insertion at a
-- time, visits about 1,700 pages for a 0.5 degree box over a year. The predicates are written
-- exactly as the queries write them (src/store/sql/gist.rs, NARROW).
DROP INDEX events_space_time;
CREATE INDEX events_space_time ON events USING gist ((ST_MakeLine(ST_MakePoint(min_lon, min_lat, t_start::float8 / 86400000), ST_MakePoint(max_lon, max_lat, t_max::float8 / 86400000))) gist_geometry_ops_nd)
    INCLUDE (seq, t_start, t_max, t_day, min_lon, min_lat, max_lon, max_lat, category, status) WHERE deleted = 0;
DROP INDEX events_geom;
CREATE INDEX events_area ON events USING gist ((ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat)) gist_geometry_ops_2d)
    INCLUDE (seq, t_start, t_max, t_day, min_lon, min_lat, max_lon, max_lat, category, status) WHERE deleted = 0;
CREATE INDEX events_narrow_area ON events USING gist ((ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat)) gist_geometry_ops_2d)
    INCLUDE (seq, t_start, t_max, t_day, min_lon, min_lat, max_lon, max_lat, category, status)
    WHERE deleted = 0 AND max_lon - min_lon <= 1 AND max_lat - min_lat <= 1;
CREATE INDEX events_wide_space_time ON events USING gist ((ST_MakeLine(ST_MakePoint(min_lon, min_lat, t_start::float8 / 86400000), ST_MakePoint(max_lon, max_lat, t_max::float8 / 86400000))) gist_geometry_ops_nd)
    INCLUDE (seq, t_start, t_max, t_day, min_lon, min_lat, max_lon, max_lat, category, status)
    WHERE deleted = 0 AND NOT (max_lon - min_lon <= 1 AND max_lat - min_lat <= 1);
