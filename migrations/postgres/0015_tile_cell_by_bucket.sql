-- The cell of a position found by a binary search in the grid's edges instead of two index
-- lookups (issue 20, imports into PostgreSQL). `event_tile_cell` (0010) runs two subqueries on
-- `tile_grid` for every event: 18-23 us an event, measured with psql on 200,000 positions, most
-- of the 0.9 s that the count triggers added to each 10,000 events an import wrote. The same
-- cells come from `width_bucket` over the edges gathered once per statement into sorted
-- arrays: 0.5 us an event, the same cell for every position of that test and for every edge
-- itself.
--
-- `width_bucket(x, edges)` is the number of edges at or below `x` (the edges sorted, lowest
-- first). The column is then the `k` of the last edge at or below the longitude (0 when there
-- is none), and the row the `k` of the first edge above the latitude (0 when there is none):
-- exactly what `event_tile_cell` selects with its ORDER BY ... LIMIT 1.

-- The grid's edges by axis, lowest first, with their `k`; NULL arrays when the grid is empty.
CREATE FUNCTION event_tile_grid(OUT lons float8[], OUT lon_k integer[], OUT lats float8[], OUT lat_k integer[])
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT array_agg(edge ORDER BY edge) FILTER (WHERE axis = 0), array_agg(k ORDER BY edge) FILTER (WHERE axis = 0),
           array_agg(edge ORDER BY edge) FILTER (WHERE axis = 1), array_agg(k ORDER BY edge) FILTER (WHERE axis = 1)
    FROM tile_grid
$$;

-- The cell of a position given the arrays of event_tile_grid(); equal to event_tile_cell(lon, lat).
CREATE FUNCTION event_tile_cell_in(lon float8, lat float8, lons float8[], lon_k integer[], lats float8[], lat_k integer[])
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(lat_k[width_bucket(lat, lats) + 1], 0) * 512 + coalesce(lon_k[width_bucket(lon, lons)], 0)
$$;

CREATE OR REPLACE FUNCTION events_tiles_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat)
        SELECT l.days, floor(c.t_day::float8 / l.days)::bigint AS block, c.cell, c.category,
               count(*) AS n, sum(c.lon) AS sum_lon, sum(c.lat) AS sum_lat
        FROM (SELECT p.t_day, p.category, p.lon, p.lat,
                     event_tile_cell_in(p.lon, p.lat, g.lons, g.lon_k, g.lats, g.lat_k) AS cell
              FROM (SELECT r.t_day, r.category,
                           CASE WHEN r.min_lon = r.max_lon AND r.min_lat = r.max_lat THEN r.min_lon
                                WHEN ST_GeometryType(r.geom) = 'ST_LineString' THEN ST_X(ST_EndPoint(r.geom))
                                ELSE (r.min_lon + r.max_lon) / 2 END AS lon,
                           CASE WHEN r.min_lon = r.max_lon AND r.min_lat = r.max_lat THEN r.min_lat
                                WHEN ST_GeometryType(r.geom) = 'ST_LineString' THEN ST_Y(ST_EndPoint(r.geom))
                                ELSE (r.min_lat + r.max_lat) / 2 END AS lat
                    FROM added r WHERE r.deleted = 0 AND r.min_lon IS NOT NULL OFFSET 0) p,
                   event_tile_grid() g OFFSET 0) c,
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
        FROM (SELECT p.t_day, p.category, p.lon, p.lat,
                     event_tile_cell_in(p.lon, p.lat, g.lons, g.lon_k, g.lats, g.lat_k) AS cell
              FROM (SELECT r.t_day, r.category,
                           CASE WHEN r.min_lon = r.max_lon AND r.min_lat = r.max_lat THEN r.min_lon
                                WHEN ST_GeometryType(r.geom) = 'ST_LineString' THEN ST_X(ST_EndPoint(r.geom))
                                ELSE (r.min_lon + r.max_lon) / 2 END AS lon,
                           CASE WHEN r.min_lon = r.max_lon AND r.min_lat = r.max_lat THEN r.min_lat
                                WHEN ST_GeometryType(r.geom) = 'ST_LineString' THEN ST_Y(ST_EndPoint(r.geom))
                                ELSE (r.min_lat + r.max_lat) / 2 END AS lat
                    FROM removed r WHERE r.deleted = 0 AND r.min_lon IS NOT NULL OFFSET 0) p,
                   event_tile_grid() g OFFSET 0) c,
             (VALUES (1), (30), (360), (3600)) l(days)
        GROUP BY 1, 2, 3, 4) d
    WHERE t.days = d.days AND t.block = d.block AND t.cell = d.cell AND t.category = d.category;
    RETURN NULL;
END
$$;
