-- Events, their sources, the derived indexes that serve the filters, and revisions: the tables
-- and columns of migrations/sqlite/0001_events.sql, with PostGIS geometry (GiST), a tsvector
-- (GIN) and B-trees in place of SQLite's R*Tree and FTS5. Every derived row and column is
-- rewritten in the same transaction as the event it describes.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE meta (
    key   text PRIMARY KEY,
    value bigint NOT NULL
);
-- change_seq: the number of the last change (orders the corrections feed); writers lock this
-- row first, so writes of several instances commit one at a time, in change order;
-- last_change_ms: the time of the last change (kept monotonic);
-- max_duration_ms: the longest interval of any event ever stored (bounds time-only scans).
INSERT INTO meta (key, value) VALUES ('change_seq', 0), ('last_change_ms', 0), ('max_duration_ms', 0);

CREATE TABLE events (
    seq               bigint PRIMARY KEY,            -- storage order; ties in every sort
    id                uuid NOT NULL UNIQUE,          -- public UUIDv7
    t_start           bigint NOT NULL,               -- ms since epoch
    t_max             bigint NOT NULL,               -- end of the covered interval, ms
    t_day             bigint NOT NULL,               -- floor(t_start / day)
    category          text NOT NULL,
    status            text NOT NULL,
    min_lon           double precision,              -- the envelope, for exact box tests
    min_lat           double precision,
    max_lon           double precision,
    max_lat           double precision,
    created_at        bigint NOT NULL,
    updated_at        bigint NOT NULL,
    change_seq        bigint NOT NULL UNIQUE,        -- also serves sorts by updated_at
    revision          integer NOT NULL,
    -- 0 or 1 as on SQLite, so that the read SQL is the same for both backends.
    deleted           smallint NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    geometry_explicit smallint NOT NULL DEFAULT 0 CHECK (geometry_explicit IN (0, 1)),
    geom              geometry(Geometry, 4326),      -- the Feature's geometry, 2D; NULL once deleted
    search            tsvector,                      -- folded words as lexemes; NULL once deleted
    feature           json NOT NULL                  -- the GeoJSON Feature served, byte for byte
);

-- Time windows and sorts by start (instant, then seq) of live events.
CREATE INDEX events_by_time ON events (t_start, seq) WHERE deleted = 0;
-- Longitude, latitude and time (days) of live events in one n-dimensional GiST index, so that a
-- box and a time window are answered by one index, as SQLite's R*Tree does. The expression is
-- store::sql::SPACE_TIME, which the queries repeat word for word.
CREATE INDEX events_space_time ON events USING gist ((ST_MakeLine(ST_MakePoint(min_lon, min_lat, t_start::float8 / 86400000), ST_MakePoint(max_lon, max_lat, t_max::float8 / 86400000))) gist_geometry_ops_nd) WHERE deleted = 0;
-- The geometry itself, for GIS clients and ad hoc queries (`geom && ST_MakeEnvelope(...)`).
CREATE INDEX events_geom ON events USING gist (geom);
CREATE INDEX events_search ON events USING gin (search) WHERE deleted = 0;

-- Live events per day of their start, kept by every write: histograms and counts of all events
-- read a few thousand rows here instead of every event.
CREATE TABLE event_days (
    t_day bigint PRIMARY KEY,
    n     bigint NOT NULL
);

-- One row per write transaction: when it happened and its last change number. `updated_since`
-- becomes a bound on change_seq through it.
CREATE TABLE change_log (
    at       bigint PRIMARY KEY,   -- ms; strictly increasing per transaction
    last_seq bigint NOT NULL
);

-- Multi-valued filters: kind is tag, actor, country, domain or place (gazetteer id). Rows of an
-- event are removed by their full key (the store knows the terms it wrote).
CREATE TABLE event_terms (
    kind  text NOT NULL,
    value text NOT NULL,
    seq   bigint NOT NULL,
    PRIMARY KEY (kind, value, seq)
);

-- Unit vectors of an event's positions, for exact great-circle radius tests by arithmetic (the
-- same test as on SQLite, so both backends agree on every edge).
CREATE TABLE event_points (
    seq bigint NOT NULL,
    x   double precision NOT NULL,
    y   double precision NOT NULL,
    z   double precision NOT NULL,
    PRIMARY KEY (seq, x, y, z)
);

CREATE TABLE sources (
    id           uuid PRIMARY KEY,
    url          text NOT NULL UNIQUE,
    title        text,
    publisher    text,
    published_at bigint,
    language     text,
    archived_url text,
    created_at   bigint NOT NULL
);

CREATE TABLE event_sources (
    seq       bigint NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    source_id uuid NOT NULL REFERENCES sources (id),
    position  integer NOT NULL,
    excerpt   text,
    PRIMARY KEY (seq, source_id)
);
CREATE INDEX event_sources_by_source ON event_sources (source_id);

CREATE TABLE revisions (
    event_id uuid NOT NULL,
    revision integer NOT NULL,
    at       bigint NOT NULL,
    actor    text NOT NULL,
    action   text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'import')),
    reason   text,
    changes  text NOT NULL,                -- JSON, written by eventmap only
    PRIMARY KEY (event_id, revision)
);
