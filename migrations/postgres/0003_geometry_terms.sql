-- The GeoJSON type of every live event's geometry as a filter term, ('geometry', 'LineString',
-- seq), for `geometry_type=` (a Shapefile layer holds one kind of geometry), as on SQLite
-- (migrations/sqlite/0005_geometry_terms.sql). Writers add it from now on
-- (store::prepare::terms); this gives it to the events stored before. Tombstones get none.
INSERT INTO event_terms (kind, value, seq)
SELECT 'geometry', feature -> 'geometry' ->> 'type', seq FROM events
WHERE deleted = 0 AND feature -> 'geometry' ->> 'type' IS NOT NULL
ON CONFLICT DO NOTHING;
