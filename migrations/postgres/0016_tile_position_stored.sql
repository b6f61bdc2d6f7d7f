-- An event's position on the map (store::sql::tiles::position, domain::tile) stored in the row,
-- and a B-tree over it that holds what a tile's cells are counted by (issue 20, item 2). From
-- zoom 7 a tile was counted from `events` itself, found by the envelope's GiST index: the rows
-- are large (Feature JSON, geometry, search vector) and stored in arrival order, so a tile of
-- 15,000-40,000 events read about one heap page per event (125-250 ms at the median at
-- 1,000,000 events). With the position and the counted columns in one index, a tile's cells are
-- counted by an index-only scan of a range of longitudes (docs/PERFORMANCE.md).
--
-- The columns are generated from the same expression the tile queries used (0013's), so every
-- event is counted at the same position, to the bit, and no writer changes. An index-only scan
-- reads the heap for pages not marked all-visible in the visibility map: VACUUM sets it
-- (autovacuum in a deployment; `VACUUM events` after this migration, which rewrites the table).
ALTER TABLE events
    ADD COLUMN pos_lon double precision GENERATED ALWAYS AS (
        CASE WHEN min_lon = max_lon AND min_lat = max_lat THEN min_lon
             WHEN ST_GeometryType(geom) = 'ST_LineString' THEN ST_X(ST_EndPoint(geom))
             ELSE (min_lon + max_lon) / 2 END) STORED,
    ADD COLUMN pos_lat double precision GENERATED ALWAYS AS (
        CASE WHEN min_lon = max_lon AND min_lat = max_lat THEN min_lat
             WHEN ST_GeometryType(geom) = 'ST_LineString' THEN ST_Y(ST_EndPoint(geom))
             ELSE (min_lat + max_lat) / 2 END) STORED;

-- Longitude first: a tile of zoom 7 or more is a narrow range of longitudes (2.8 degrees at
-- zoom 7), its latitudes and window tested on the index's entries.
CREATE INDEX events_by_position ON events (pos_lon, pos_lat)
    INCLUDE (t_start, t_max, t_day, category, status) WHERE deleted = 0;
