-- The uniqueness of an event's id and of its change number kept by named indexes instead of
-- column constraints. The rows and the rules are the same; what changes is that an index can be
-- dropped and built again, which a constraint's automatic index cannot. A load into an empty
-- database does that (store/sqlite_bulk.rs): three indexes built once from sorted keys cost far
-- less than 200,000 inserts at random places in each (docs/PERFORMANCE.md).
--
-- SQLite cannot drop a column constraint, so the table is built anew and the rows copied. The
-- migration runs in a transaction with foreign keys enforced, where dropping `events` would
-- delete every source link through ON DELETE CASCADE; so the links move to a new table first,
-- whose reference follows the renamed events table.

CREATE TABLE events_new (
    seq               INTEGER PRIMARY KEY,      -- storage order; ties in every sort
    id                TEXT NOT NULL,            -- public UUIDv7; unique (events_by_id)
    t_start           INTEGER NOT NULL,         -- ms since epoch
    t_max             INTEGER NOT NULL,         -- end of the covered interval, ms
    t_day             INTEGER NOT NULL,         -- floor(t_start / day)
    category          TEXT NOT NULL,
    status            TEXT NOT NULL,
    min_lon           REAL,
    min_lat           REAL,
    max_lon           REAL,
    max_lat           REAL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    change_seq        INTEGER NOT NULL,         -- unique (events_by_change)
    revision          INTEGER NOT NULL,
    deleted           INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    geometry_explicit INTEGER NOT NULL DEFAULT 0 CHECK (geometry_explicit IN (0, 1)),
    feature           TEXT NOT NULL         -- the GeoJSON Feature served (written by eventmap only)
) STRICT;

INSERT INTO events_new (seq, id, t_start, t_max, t_day, category, status, min_lon, min_lat, max_lon, max_lat,
                        created_at, updated_at, change_seq, revision, deleted, geometry_explicit, feature)
SELECT seq, id, t_start, t_max, t_day, category, status, min_lon, min_lat, max_lon, max_lat,
       created_at, updated_at, change_seq, revision, deleted, geometry_explicit, feature
FROM events ORDER BY seq;

CREATE TABLE event_sources_new (
    seq       INTEGER NOT NULL REFERENCES events_new (seq) ON DELETE CASCADE,
    source_id TEXT NOT NULL REFERENCES sources (id),
    position  INTEGER NOT NULL,
    excerpt   TEXT,
    PRIMARY KEY (seq, source_id)
) STRICT;

INSERT INTO event_sources_new (seq, source_id, position, excerpt)
SELECT seq, source_id, position, excerpt FROM event_sources ORDER BY seq, source_id;

DROP TABLE event_sources;
DROP TABLE events;
-- Renaming also points event_sources_new's reference at `events`.
ALTER TABLE events_new RENAME TO events;
ALTER TABLE event_sources_new RENAME TO event_sources;

CREATE UNIQUE INDEX events_by_id ON events (id);
CREATE UNIQUE INDEX events_by_change ON events (change_seq);
-- One index serves time windows, sorts by start (by day, then instant, then seq) and histograms.
CREATE INDEX events_by_time ON events (deleted, t_day, t_start);
CREATE INDEX event_sources_by_source ON event_sources (source_id);
