-- Live events counted by cell of a fine grid, category and block of days (issue 20), as on
-- SQLite (migrations/sqlite/0012_tile_counts.sql, which explains the tables): a tile of the world
-- over all time sums a few thousand rows instead of visiting every event. eventmap writes the
-- grid's edges when it connects (computed as the tiles' own edges, to the bit) and then counts
-- the events already stored.
CREATE TABLE tile_grid (
    axis smallint NOT NULL,
    edge float8 NOT NULL,
    k    integer NOT NULL,
    PRIMARY KEY (axis, edge)
);

CREATE TABLE event_tile_counts (
    days     integer NOT NULL,
    block    bigint NOT NULL,
    cell     integer NOT NULL,
    category text NOT NULL,
    n        bigint NOT NULL,
    sum_lon  float8 NOT NULL,
    sum_lat  float8 NOT NULL,
    PRIMARY KEY (days, block, cell, category)
);

-- The cell of a position: its row (the last latitude edge above it) and column (the last
-- longitude edge at or west of it), as a tile tests a position.
CREATE FUNCTION event_tile_cell(lon float8, lat float8) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > lat ORDER BY edge LIMIT 1), 0) * 512
         + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= lon ORDER BY edge DESC LIMIT 1), 0)
$$;

-- Counts kept once per statement over its transition tables (an import of 10,000 events makes
-- one upsert per block, cell and category, not four per event): each event's cell is found once
-- (OFFSET 0 keeps the subquery from being merged into the join) and counted in each length of
-- block. One function adds the rows a statement wrote (`added`), one takes away the rows it
-- replaced or removed (`removed`); an UPDATE fires both, which net out whatever it left alone.
CREATE FUNCTION events_tiles_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat)
        SELECT l.days, floor(c.t_day::float8 / l.days)::bigint AS block, c.cell, c.category,
               count(*) AS n, sum(c.lon) AS sum_lon, sum(c.lat) AS sum_lat
        FROM (SELECT r.t_day, r.category, (r.min_lon + r.max_lon) / 2 AS lon, (r.min_lat + r.max_lat) / 2 AS lat,
                     event_tile_cell((r.min_lon + r.max_lon) / 2, (r.min_lat + r.max_lat) / 2) AS cell
              FROM added r WHERE r.deleted = 0 AND r.min_lon IS NOT NULL OFFSET 0) c,
             (VALUES (1), (30), (360), (3600)) l(days)
        GROUP BY 1, 2, 3, 4
    ON CONFLICT (days, block, cell, category) DO UPDATE
    SET n = event_tile_counts.n + excluded.n, sum_lon = event_tile_counts.sum_lon + excluded.sum_lon,
        sum_lat = event_tile_counts.sum_lat + excluded.sum_lat;
    RETURN NULL;
END
$$;

CREATE FUNCTION events_tiles_take() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_tile_counts t SET n = t.n - d.n, sum_lon = t.sum_lon - d.sum_lon, sum_lat = t.sum_lat - d.sum_lat
    FROM (SELECT l.days, floor(c.t_day::float8 / l.days)::bigint AS block, c.cell, c.category,
               count(*) AS n, sum(c.lon) AS sum_lon, sum(c.lat) AS sum_lat
        FROM (SELECT r.t_day, r.category, (r.min_lon + r.max_lon) / 2 AS lon, (r.min_lat + r.max_lat) / 2 AS lat,
                     event_tile_cell((r.min_lon + r.max_lon) / 2, (r.min_lat + r.max_lat) / 2) AS cell
              FROM removed r WHERE r.deleted = 0 AND r.min_lon IS NOT NULL OFFSET 0) c,
             (VALUES (1), (30), (360), (3600)) l(days)
        GROUP BY 1, 2, 3, 4) d
    WHERE t.days = d.days AND t.block = d.block AND t.cell = d.cell AND t.category = d.category;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_tiles_inserted AFTER INSERT ON events
REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION events_tiles_add();
CREATE TRIGGER events_tiles_deleted AFTER DELETE ON events
REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION events_tiles_take();
CREATE TRIGGER events_tiles_updated_add AFTER UPDATE ON events
REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION events_tiles_add();
CREATE TRIGGER events_tiles_updated_take AFTER UPDATE ON events
REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION events_tiles_take();
