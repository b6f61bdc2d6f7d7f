-- Counts kept by writes, and a time index that answers a box by itself (issue 20).
--
-- event_days: live events per day of their start (as PostgreSQL's event_days): the histogram of
-- all events, and the number of events in a time window, read a few thousand rows here instead
-- of every event. event_cells: live events per cell of one degree (of the centre of their
-- envelope), for estimating how many events a wide box holds. Both are kept by the triggers
-- below, so every road that writes `events` (a write, an import, a load, a restore) keeps them.
CREATE TABLE event_days (
    t_day INTEGER PRIMARY KEY,
    n     INTEGER NOT NULL
) STRICT;

CREATE TABLE event_cells (
    cell INTEGER PRIMARY KEY,   -- (floor(lat) + 90) * 360 + floor(lon) + 180, of the envelope's centre
    n    INTEGER NOT NULL
) STRICT;

INSERT INTO event_days (t_day, n) SELECT t_day, count(*) FROM events WHERE deleted = 0 GROUP BY t_day;
INSERT INTO event_cells (cell, n)
SELECT min(CAST((min_lat + max_lat) / 2 + 90 AS INTEGER), 179) * 360 + min(CAST((min_lon + max_lon) / 2 + 180 AS INTEGER), 359) AS c, count(*)
FROM events WHERE deleted = 0 AND min_lon IS NOT NULL GROUP BY c;

CREATE TRIGGER events_counted_insert AFTER INSERT ON events WHEN NEW.deleted = 0 BEGIN
    INSERT INTO event_days (t_day, n) VALUES (NEW.t_day, 1) ON CONFLICT (t_day) DO UPDATE SET n = n + 1;
    INSERT INTO event_cells (cell, n)
    SELECT min(CAST((NEW.min_lat + NEW.max_lat) / 2 + 90 AS INTEGER), 179) * 360 + min(CAST((NEW.min_lon + NEW.max_lon) / 2 + 180 AS INTEGER), 359), 1
    WHERE NEW.min_lon IS NOT NULL
    ON CONFLICT (cell) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER events_counted_delete AFTER DELETE ON events WHEN OLD.deleted = 0 BEGIN
    UPDATE event_days SET n = n - 1 WHERE t_day = OLD.t_day;
    UPDATE event_cells SET n = n - 1
    WHERE OLD.min_lon IS NOT NULL
      AND cell = min(CAST((OLD.min_lat + OLD.max_lat) / 2 + 90 AS INTEGER), 179) * 360 + min(CAST((OLD.min_lon + OLD.max_lon) / 2 + 180 AS INTEGER), 359);
END;

CREATE TRIGGER events_counted_update AFTER UPDATE OF deleted, t_day, min_lon, min_lat, max_lon, max_lat ON events BEGIN
    UPDATE event_days SET n = n - 1 WHERE OLD.deleted = 0 AND t_day = OLD.t_day;
    UPDATE event_cells SET n = n - 1
    WHERE OLD.deleted = 0 AND OLD.min_lon IS NOT NULL
      AND cell = min(CAST((OLD.min_lat + OLD.max_lat) / 2 + 90 AS INTEGER), 179) * 360 + min(CAST((OLD.min_lon + OLD.max_lon) / 2 + 180 AS INTEGER), 359);
    INSERT INTO event_days (t_day, n) SELECT NEW.t_day, 1 WHERE NEW.deleted = 0 ON CONFLICT (t_day) DO UPDATE SET n = n + 1;
    INSERT INTO event_cells (cell, n)
    SELECT min(CAST((NEW.min_lat + NEW.max_lat) / 2 + 90 AS INTEGER), 179) * 360 + min(CAST((NEW.min_lon + NEW.max_lon) / 2 + 180 AS INTEGER), 359), 1
    WHERE NEW.deleted = 0 AND NEW.min_lon IS NOT NULL
    ON CONFLICT (cell) DO UPDATE SET n = n + 1;
END;

-- The time index holds the seq, the end and the envelope, so that a wide box is answered by
-- walking it newest first and testing each entry, never reading a row that is not on the page.
DROP INDEX events_by_time;
CREATE INDEX events_by_time ON events (deleted, t_day, t_start, seq, t_max, min_lon, max_lon, min_lat, max_lat);
