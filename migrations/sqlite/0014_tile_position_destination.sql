-- An event's position on the map is its line's last point when its geometry is a LineString
-- (a movement's destination, where the map draws its dot), else the centre of its envelope as
-- before (a point's own point). event_tile_counts counts events in the cell of that position;
-- the same expression is store::sql::tiles::position, which the tile queries repeat word for
-- word, so the table and the events count the same events in the same cells.
--
-- The triggers of 0012 are made again with the new position, now also on an update of the
-- Feature (a movement turned round keeps its envelope but not its destination). The counts are
-- emptied with the grid's edges: eventmap writes the edges again when it opens the database
-- and then counts every stored event afresh (tile_counts::rebuild).
DROP TRIGGER events_tile_counted_insert;
DROP TRIGGER events_tile_counted_delete;
DROP TRIGGER events_tile_counted_update;
DELETE FROM event_tile_counts;
DELETE FROM tile_grid;

CREATE TRIGGER events_tile_counted_insert AFTER INSERT ON events
WHEN NEW.deleted = 0 AND NEW.min_lon IS NOT NULL BEGIN
    INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat)
    SELECT l.days, (p.t_day - ((p.t_day % l.days) + l.days) % l.days) / l.days,
           coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > p.lat ORDER BY edge LIMIT 1), 0) * 512
           + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= p.lon ORDER BY edge DESC LIMIT 1), 0),
           p.category, 1, p.lon, p.lat
    FROM (SELECT NEW.t_day AS t_day, NEW.category AS category,
                 CASE WHEN NEW.min_lon = NEW.max_lon AND NEW.min_lat = NEW.max_lat THEN NEW.min_lon
                      WHEN NEW.feature ->> '$.geometry.type' = 'LineString' THEN NEW.feature ->> '$.geometry.coordinates[#-1][0]'
                      ELSE (NEW.min_lon + NEW.max_lon) / 2 END AS lon,
                 CASE WHEN NEW.min_lon = NEW.max_lon AND NEW.min_lat = NEW.max_lat THEN NEW.min_lat
                      WHEN NEW.feature ->> '$.geometry.type' = 'LineString' THEN NEW.feature ->> '$.geometry.coordinates[#-1][1]'
                      ELSE (NEW.min_lat + NEW.max_lat) / 2 END AS lat) p,
         (SELECT 1 AS days UNION ALL SELECT 30 UNION ALL SELECT 360 UNION ALL SELECT 3600) l
    WHERE true
    ON CONFLICT (days, block, cell, category) DO UPDATE
    SET n = n + 1, sum_lon = sum_lon + excluded.sum_lon, sum_lat = sum_lat + excluded.sum_lat;
END;

CREATE TRIGGER events_tile_counted_delete AFTER DELETE ON events
WHEN OLD.deleted = 0 AND OLD.min_lon IS NOT NULL BEGIN
    UPDATE event_tile_counts
    SET n = n - 1, sum_lon = sum_lon - p.lon, sum_lat = sum_lat - p.lat
    FROM (SELECT CASE WHEN OLD.min_lon = OLD.max_lon AND OLD.min_lat = OLD.max_lat THEN OLD.min_lon
                      WHEN OLD.feature ->> '$.geometry.type' = 'LineString' THEN OLD.feature ->> '$.geometry.coordinates[#-1][0]'
                      ELSE (OLD.min_lon + OLD.max_lon) / 2 END AS lon,
                 CASE WHEN OLD.min_lon = OLD.max_lon AND OLD.min_lat = OLD.max_lat THEN OLD.min_lat
                      WHEN OLD.feature ->> '$.geometry.type' = 'LineString' THEN OLD.feature ->> '$.geometry.coordinates[#-1][1]'
                      ELSE (OLD.min_lat + OLD.max_lat) / 2 END AS lat) p
    WHERE (days, block) IN (VALUES (1, OLD.t_day),
                                   (30, (OLD.t_day - ((OLD.t_day % 30) + 30) % 30) / 30),
                                   (360, (OLD.t_day - ((OLD.t_day % 360) + 360) % 360) / 360),
                                   (3600, (OLD.t_day - ((OLD.t_day % 3600) + 3600) % 3600) / 3600))
      AND cell = coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > p.lat ORDER BY edge LIMIT 1), 0) * 512
               + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= p.lon ORDER BY edge DESC LIMIT 1), 0)
      AND category = OLD.category;
END;

CREATE TRIGGER events_tile_counted_update
AFTER UPDATE OF deleted, t_day, category, min_lon, min_lat, max_lon, max_lat, feature ON events BEGIN
    UPDATE event_tile_counts
    SET n = n - 1, sum_lon = sum_lon - p.lon, sum_lat = sum_lat - p.lat
    FROM (SELECT CASE WHEN OLD.min_lon = OLD.max_lon AND OLD.min_lat = OLD.max_lat THEN OLD.min_lon
                      WHEN OLD.feature ->> '$.geometry.type' = 'LineString' THEN OLD.feature ->> '$.geometry.coordinates[#-1][0]'
                      ELSE (OLD.min_lon + OLD.max_lon) / 2 END AS lon,
                 CASE WHEN OLD.min_lon = OLD.max_lon AND OLD.min_lat = OLD.max_lat THEN OLD.min_lat
                      WHEN OLD.feature ->> '$.geometry.type' = 'LineString' THEN OLD.feature ->> '$.geometry.coordinates[#-1][1]'
                      ELSE (OLD.min_lat + OLD.max_lat) / 2 END AS lat) p
    WHERE OLD.deleted = 0 AND OLD.min_lon IS NOT NULL
      AND (days, block) IN (VALUES (1, OLD.t_day),
                                   (30, (OLD.t_day - ((OLD.t_day % 30) + 30) % 30) / 30),
                                   (360, (OLD.t_day - ((OLD.t_day % 360) + 360) % 360) / 360),
                                   (3600, (OLD.t_day - ((OLD.t_day % 3600) + 3600) % 3600) / 3600))
      AND cell = coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > p.lat ORDER BY edge LIMIT 1), 0) * 512
               + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= p.lon ORDER BY edge DESC LIMIT 1), 0)
      AND category = OLD.category;
    INSERT INTO event_tile_counts (days, block, cell, category, n, sum_lon, sum_lat)
    SELECT l.days, (p.t_day - ((p.t_day % l.days) + l.days) % l.days) / l.days,
           coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > p.lat ORDER BY edge LIMIT 1), 0) * 512
           + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= p.lon ORDER BY edge DESC LIMIT 1), 0),
           p.category, 1, p.lon, p.lat
    FROM (SELECT NEW.t_day AS t_day, NEW.category AS category,
                 CASE WHEN NEW.min_lon = NEW.max_lon AND NEW.min_lat = NEW.max_lat THEN NEW.min_lon
                      WHEN NEW.feature ->> '$.geometry.type' = 'LineString' THEN NEW.feature ->> '$.geometry.coordinates[#-1][0]'
                      ELSE (NEW.min_lon + NEW.max_lon) / 2 END AS lon,
                 CASE WHEN NEW.min_lon = NEW.max_lon AND NEW.min_lat = NEW.max_lat THEN NEW.min_lat
                      WHEN NEW.feature ->> '$.geometry.type' = 'LineString' THEN NEW.feature ->> '$.geometry.coordinates[#-1][1]'
                      ELSE (NEW.min_lat + NEW.max_lat) / 2 END AS lat) p,
         (SELECT 1 AS days UNION ALL SELECT 30 UNION ALL SELECT 360 UNION ALL SELECT 3600) l
    WHERE NEW.deleted = 0 AND NEW.min_lon IS NOT NULL
    ON CONFLICT (days, block, cell, category) DO UPDATE
    SET n = n + 1, sum_lon = sum_lon + excluded.sum_lon, sum_lat = sum_lat + excluded.sum_lat;
END;
