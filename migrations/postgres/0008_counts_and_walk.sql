-- Per-cell counts kept by writes, and a time index that answers a box by itself (issue 20).
--
-- event_cells: live events per cell of one degree (of the centre of their envelope), for
-- estimating how many events a wide box holds, as on SQLite
-- (migrations/sqlite/0010_counts_and_walk.sql). Kept by the trigger below, so every road that
-- writes `events` keeps it.
CREATE TABLE event_cells (
    cell bigint PRIMARY KEY,    -- (floor(lat) + 90) * 360 + floor(lon) + 180, of the envelope's centre
    n    bigint NOT NULL
);

CREATE FUNCTION event_cell(min_lon float8, min_lat float8, max_lon float8, max_lat float8) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(floor((min_lat + max_lat) / 2 + 90)::bigint, 179) * 360
         + least(floor((min_lon + max_lon) / 2 + 180)::bigint, 359)
$$;

INSERT INTO event_cells (cell, n)
SELECT event_cell(min_lon, min_lat, max_lon, max_lat) AS c, count(*)
FROM events WHERE deleted = 0 AND min_lon IS NOT NULL GROUP BY c;

CREATE FUNCTION events_count_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted = 0 AND OLD.min_lon IS NOT NULL THEN
        UPDATE event_cells SET n = n - 1
        WHERE cell = event_cell(OLD.min_lon, OLD.min_lat, OLD.max_lon, OLD.max_lat);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted = 0 AND NEW.min_lon IS NOT NULL THEN
        INSERT INTO event_cells (cell, n) VALUES (event_cell(NEW.min_lon, NEW.min_lat, NEW.max_lon, NEW.max_lat), 1)
        ON CONFLICT (cell) DO UPDATE SET n = event_cells.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_count_cells AFTER INSERT OR DELETE OR UPDATE OF deleted, min_lon, min_lat, max_lon, max_lat
ON events FOR EACH ROW EXECUTE FUNCTION events_count_cells();

-- The time index holds the end and the envelope, so that a wide box is answered by walking it
-- newest first and testing each entry (an index-only scan), never reading a row that is not on
-- the page.
DROP INDEX events_by_time;
CREATE INDEX events_by_time ON events (t_start, seq) INCLUDE (t_day, t_max, min_lon, max_lon, min_lat, max_lat) WHERE deleted = 0;
