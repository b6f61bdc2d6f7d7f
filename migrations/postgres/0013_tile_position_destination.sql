-- An event's position on the map is its line's last point when its geometry is a LineString
-- (a movement's destination, where the map draws its dot), else the centre of its envelope as
-- before (as on SQLite, migrations/sqlite/0014_tile_position_destination.sql). The functions of
-- 0010 count events in the cell of that position; event_tile_position is the expression that
-- store::sql::tiles::position repeats word for word in the tile queries. The counts are
-- emptied with the grid's edges: eventmap writes the edges again when it connects and then
-- counts every stored event afresh (tile_counts::rebuild).
CREATE OR REPLACE FUNCTION events_tiles_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat)
        SELECT l.days, floor(c.t_day::float8 / l.days)::bigint AS block, c.cell, c.category,
               count(*) AS n, sum(c.lon) AS sum_lon, sum(c.lat) AS sum_lat
        FROM (SELECT p.t_day, p.category, p.lon, p.lat, event_tile_cell(p.lon, p.lat) AS cell
              FROM (SELECT r.t_day, r.category,
                           CASE WHEN r.min_lon = r.max_lon AND r.min_lat = r.max_lat THEN r.min_lon
                                WHEN ST_GeometryType(r.geom) = 'ST_LineString' THEN ST_X(ST_EndPoint(r.geom))
                                ELSE (r.min_lon + r.max_lon) / 2 END AS lon,
                           CASE WHEN r.min_lon = r.max_lon AND r.min_lat = r.max_lat THEN r.min_lat
                                WHEN ST_GeometryType(r.geom) = 'ST_LineString' THEN ST_Y(ST_EndPoint(r.geom))
                                ELSE (r.min_lat + r.max_lat) / 2 END AS lat
                    FROM added r WHERE r.deleted = 0 AND r.min_lon IS NOT NULL OFFSET 0) p OFFSET 0) c,
             (VALUES (1), (30), (360), (3600)) l(days)
        GROUP BY 1, 2, 3, 4
    ON CONFLICT (days, block, cell, category) DO UPDATE
    SET n = event_tile_counts.n + excluded.n, sum_lon = event_tile_counts.sum_lon + excluded.sum_lon,
        sum_lat = event_tile_counts.sum_lat + excluded.sum_lat;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION events_tiles_take() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_tile_counts t SET n = t.n - d.n, sum_lon = t.sum_lon - d.sum_lon, sum_lat = t.sum_lat - d.sum_lat
    FROM (SELECT l.days, floor(c.t_day::float8 / l.days)::bigint AS block, c.cell, c.category,
               count(*) AS n, sum(c.lon) AS sum_lon, sum(c.lat) AS sum_lat
        FROM (SELECT p.t_day, p.category, p.lon, p.lat, event_tile_cell(p.lon, p.lat) AS cell
              FROM (SELECT r.t_day, r.category,
                           CASE WHEN r.min_lon = r.max_lon AND r.min_lat = r.max_lat THEN r.min_lon
                                WHEN ST_GeometryType(r.geom) = 'ST_LineString' THEN ST_X(ST_EndPoint(r.geom))
                                ELSE (r.min_lon + r.max_lon) / 2 END AS lon,
                           CASE WHEN r.min_lon = r.max_lon AND r.min_lat = r.max_lat THEN r.min_lat
                                WHEN ST_GeometryType(r.geom) = 'ST_LineString' THEN ST_Y(ST_EndPoint(r.geom))
                                ELSE (r.min_lat + r.max_lat) / 2 END AS lat
                    FROM removed r WHERE r.deleted = 0 AND r.min_lon IS NOT NULL OFFSET 0) p OFFSET 0) c,
             (VALUES (1), (30), (360), (3600)) l(days)
        GROUP BY 1, 2, 3, 4) d
    WHERE t.days = d.days AND t.block = d.block AND t.cell = d.cell AND t.category = d.category;
    RETURN NULL;
END
$$;

DELETE FROM event_tile_counts;
DELETE FROM tile_grid;
