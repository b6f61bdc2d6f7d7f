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

CREATE FUNCTION events_count_tiles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted = 0 AND OLD.min_lon IS NOT NULL THEN
        UPDATE event_tile_counts t
        SET n = t.n - 1, sum_lon = t.sum_lon - (OLD.min_lon + OLD.max_lon) / 2,
            sum_lat = t.sum_lat - (OLD.min_lat + OLD.max_lat) / 2
        FROM (VALUES (1), (30), (360), (3600)) l(days)
        WHERE t.days = l.days AND t.block = floor(OLD.t_day::float8 / l.days)::bigint
          AND t.cell = event_tile_cell((OLD.min_lon + OLD.max_lon) / 2, (OLD.min_lat + OLD.max_lat) / 2)
          AND t.category = OLD.category;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted = 0 AND NEW.min_lon IS NOT NULL THEN
        INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat)
        SELECT l.days, floor(NEW.t_day::float8 / l.days)::bigint,
               event_tile_cell((NEW.min_lon + NEW.max_lon) / 2, (NEW.min_lat + NEW.max_lat) / 2),
               NEW.category, 1, (NEW.min_lon + NEW.max_lon) / 2, (NEW.min_lat + NEW.max_lat) / 2
        FROM (VALUES (1), (30), (360), (3600)) l(days)
        ON CONFLICT (days, block, cell, category) DO UPDATE
        SET n = event_tile_counts.n + 1, sum_lon = event_tile_counts.sum_lon + excluded.sum_lon,
            sum_lat = event_tile_counts.sum_lat + excluded.sum_lat;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_count_tiles AFTER INSERT OR DELETE OR UPDATE OF deleted, t_day, category, min_lon, min_lat, max_lon, max_lat
ON events FOR EACH ROW EXECUTE FUNCTION events_count_tiles();
