-- The GeoJSON type of every live event's geometry as a filter term, ('geometry', 'LineString',
-- seq), for `geometry_type=` (a Shapefile layer holds one kind of geometry). Writers add it from
-- now on (store::prepare::terms); this gives it to the events stored before. A deletion removes
-- an event's terms, so tombstones get none.
INSERT OR IGNORE INTO event_terms (kind, value, seq)
SELECT 'geometry', t, seq FROM (SELECT json_extract(feature, '$.geometry.type') AS t, seq FROM events WHERE deleted = 0)
WHERE t IS NOT NULL
ORDER BY t, seq;
