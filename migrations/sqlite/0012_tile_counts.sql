-- Live events counted by cell of a fine grid, category and block of days (issue 20), so that a
-- tile of the world over all time sums a few thousand rows instead of visiting every event.
--
-- tile_grid: the edges of the grid's cells, the cells of zoom-6 tiles (8 × 8 a tile, 512 a side),
-- axis 0 for longitudes (edge k is the west side of column k) and axis 1 for latitudes (edge k
-- is the north side of row k). eventmap writes the edges when it opens the database (they are
-- computed as the tiles' own edges, to the bit, so that a cell of a tile at zoom 6 or less is
-- exactly a union of these cells) and then counts the events already stored.
--
-- event_tile_counts: per block of `days` days (1, 30, 360, 3600; block = floor(t_day / days)) of
-- the events' start, per cell (row * 512 + column, of the centre of the envelope) and category:
-- the number of live events, and the sums of their positions (for the mean position of a cell).
-- Kept by the triggers below, so every road that writes `events` keeps it.
CREATE TABLE tile_grid (
    axis INTEGER NOT NULL,
    edge REAL NOT NULL,
    k    INTEGER NOT NULL,
    PRIMARY KEY (axis, edge)
) STRICT, WITHOUT ROWID;

CREATE TABLE event_tile_counts (
    days     INTEGER NOT NULL,
    block    INTEGER NOT NULL,
    cell     INTEGER NOT NULL,
    category TEXT NOT NULL,
    n        INTEGER NOT NULL,
    sum_lon  REAL NOT NULL,
    sum_lat  REAL NOT NULL,
    PRIMARY KEY (days, block, cell, category)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER events_tile_counted_insert AFTER INSERT ON events
WHEN NEW.deleted = 0 AND NEW.min_lon IS NOT NULL BEGIN
    INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat)
    SELECT l.days, (NEW.t_day - ((NEW.t_day % l.days) + l.days) % l.days) / l.days,
           coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > (NEW.min_lat + NEW.max_lat) / 2 ORDER BY edge LIMIT 1), 0) * 512
           + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= (NEW.min_lon + NEW.max_lon) / 2 ORDER BY edge DESC LIMIT 1), 0),
           NEW.category, 1, (NEW.min_lon + NEW.max_lon) / 2, (NEW.min_lat + NEW.max_lat) / 2
    FROM (SELECT 1 AS days UNION ALL SELECT 30 UNION ALL SELECT 360 UNION ALL SELECT 3600) l
    WHERE true
    ON CONFLICT (days, block, cell, category) DO UPDATE
    SET n = n + 1, sum_lon = sum_lon + excluded.sum_lon, sum_lat = sum_lat + excluded.sum_lat;
END;

CREATE TRIGGER events_tile_counted_delete AFTER DELETE ON events
WHEN OLD.deleted = 0 AND OLD.min_lon IS NOT NULL BEGIN
    UPDATE event_tile_counts
    SET n = n - 1, sum_lon = sum_lon - (OLD.min_lon + OLD.max_lon) / 2, sum_lat = sum_lat - (OLD.min_lat + OLD.max_lat) / 2
    WHERE (days, block) IN (VALUES (1, OLD.t_day),
                                   (30, (OLD.t_day - ((OLD.t_day % 30) + 30) % 30) / 30),
                                   (360, (OLD.t_day - ((OLD.t_day % 360) + 360) % 360) / 360),
                                   (3600, (OLD.t_day - ((OLD.t_day % 3600) + 3600) % 3600) / 3600))
      AND cell = coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > (OLD.min_lat + OLD.max_lat) / 2 ORDER BY edge LIMIT 1), 0) * 512
               + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= (OLD.min_lon + OLD.max_lon) / 2 ORDER BY edge DESC LIMIT 1), 0)
      AND category = OLD.category;
END;

CREATE TRIGGER events_tile_counted_update
AFTER UPDATE OF deleted, t_day, category, min_lon, min_lat, max_lon, max_lat ON events BEGIN
    UPDATE event_tile_counts
    SET n = n - 1, sum_lon = sum_lon - (OLD.min_lon + OLD.max_lon) / 2, sum_lat = sum_lat - (OLD.min_lat + OLD.max_lat) / 2
    WHERE OLD.deleted = 0 AND OLD.min_lon IS NOT NULL
      AND (days, block) IN (VALUES (1, OLD.t_day),
                                   (30, (OLD.t_day - ((OLD.t_day % 30) + 30) % 30) / 30),
                                   (360, (OLD.t_day - ((OLD.t_day % 360) + 360) % 360) / 360),
                                   (3600, (OLD.t_day - ((OLD.t_day % 3600) + 3600) % 3600) / 3600))
      AND cell = coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > (OLD.min_lat + OLD.max_lat) / 2 ORDER BY edge LIMIT 1), 0) * 512
               + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= (OLD.min_lon + OLD.max_lon) / 2 ORDER BY edge DESC LIMIT 1), 0)
      AND category = OLD.category;
    INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat)
    SELECT l.days, (NEW.t_day - ((NEW.t_day % l.days) + l.days) % l.days) / l.days,
           coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > (NEW.min_lat + NEW.max_lat) / 2 ORDER BY edge LIMIT 1), 0) * 512
           + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= (NEW.min_lon + NEW.max_lon) / 2 ORDER BY edge DESC LIMIT 1), 0),
           NEW.category, 1, (NEW.min_lon + NEW.max_lon) / 2, (NEW.min_lat + NEW.max_lat) / 2
    FROM (SELECT 1 AS days UNION ALL SELECT 30 UNION ALL SELECT 360 UNION ALL SELECT 3600) l
    WHERE NEW.deleted = 0 AND NEW.min_lon IS NOT NULL
    ON CONFLICT (days, block, cell, category) DO UPDATE
    SET n = n + 1, sum_lon = sum_lon + excluded.sum_lon, sum_lat = sum_lat + excluded.sum_lat;
END;
