-- The counts by cell (event_cells, 0008) kept once per statement instead of once per row: a
-- statement's rows are in its transition tables, and each trigger adds or takes away the count
-- of every cell they touch in one statement. An import of 10,000 events made 10,000 upserts of
-- event_cells before (a fifth of the cost of its event rows, measured); now it makes one per
-- cell. Every road that writes `events` (INSERT, UPDATE, DELETE, COPY) still keeps the counts.
--
-- Transition tables cannot be asked for by a trigger that fires on several kinds of statement,
-- nor on an UPDATE of some columns only: hence three triggers, and the one on UPDATE nets the
-- old rows against the new (an update that leaves the envelope and `deleted` as they were
-- changes no count).

DROP TRIGGER events_count_cells ON events;
DROP FUNCTION events_count_cells();

CREATE FUNCTION events_cells_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_cells (cell, n)
    SELECT event_cell(min_lon, min_lat, max_lon, max_lat) AS c, count(*) FROM added
    WHERE deleted = 0 AND min_lon IS NOT NULL GROUP BY c
    ON CONFLICT (cell) DO UPDATE SET n = event_cells.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION events_cells_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_cells c SET n = c.n - d.n
    FROM (SELECT event_cell(min_lon, min_lat, max_lon, max_lat) AS cell, count(*) AS n FROM removed
          WHERE deleted = 0 AND min_lon IS NOT NULL GROUP BY 1) d
    WHERE c.cell = d.cell;
    RETURN NULL;
END
$$;

CREATE FUNCTION events_cells_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_cells (cell, n)
    SELECT cell, sum(k) FROM (
        SELECT event_cell(min_lon, min_lat, max_lon, max_lat) AS cell, -1 AS k FROM before_rows
        WHERE deleted = 0 AND min_lon IS NOT NULL
        UNION ALL
        SELECT event_cell(min_lon, min_lat, max_lon, max_lat), 1 FROM after_rows
        WHERE deleted = 0 AND min_lon IS NOT NULL
    ) d GROUP BY cell HAVING sum(k) <> 0
    ON CONFLICT (cell) DO UPDATE SET n = event_cells.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_cells_inserted AFTER INSERT ON events REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION events_cells_inserted();
CREATE TRIGGER events_cells_deleted AFTER DELETE ON events REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION events_cells_deleted();
CREATE TRIGGER events_cells_updated AFTER UPDATE ON events REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
FOR EACH STATEMENT EXECUTE FUNCTION events_cells_updated();
