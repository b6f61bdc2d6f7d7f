-- Events, their sources, the derived indexes that serve the filters, and revisions.
-- Every derived table is rewritten in the same transaction as the event it describes.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
-- change_seq: the number of the last change (orders the corrections feed);
-- last_change_ms: the time of the last change (kept monotonic);
-- max_duration_ms: the longest interval of any event ever stored (bounds time-only scans).
INSERT INTO meta (key, value) VALUES ('change_seq', 0), ('last_change_ms', 0), ('max_duration_ms', 0);

CREATE TABLE events (
    seq               INTEGER PRIMARY KEY,      -- storage order; ties in every sort
    id                TEXT NOT NULL UNIQUE,     -- public UUIDv7
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
    change_seq        INTEGER NOT NULL UNIQUE,
    revision          INTEGER NOT NULL,
    deleted           INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    geometry_explicit INTEGER NOT NULL DEFAULT 0 CHECK (geometry_explicit IN (0, 1)),
    feature           TEXT NOT NULL         -- the GeoJSON Feature served (written by eventmap only)
) STRICT;

-- One index serves time windows, sorts by start (by day, then instant, then seq) and histograms.
CREATE INDEX events_by_time ON events (deleted, t_day, t_start);

-- One row per write transaction: when it happened and its last change number. `updated_since`
-- becomes a bound on change_seq through it, so no index on updated_at is needed.
CREATE TABLE change_log (
    at       INTEGER PRIMARY KEY,   -- ms; strictly increasing per transaction
    last_seq INTEGER NOT NULL
) STRICT;

-- Multi-valued filters: kind is tag, actor, country, domain or place (gazetteer id). Rows of an
-- event are removed by their full key (the store knows the terms it wrote), so no index on seq.
CREATE TABLE event_terms (
    kind  TEXT NOT NULL,
    value TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (kind, value, seq)
) STRICT, WITHOUT ROWID;

-- Unit vectors of an event's positions, for exact great-circle radius tests by arithmetic;
-- clustered by event.
CREATE TABLE event_points (
    seq INTEGER NOT NULL,
    x   REAL NOT NULL,
    y   REAL NOT NULL,
    z   REAL NOT NULL,
    PRIMARY KEY (seq, x, y, z)
) STRICT, WITHOUT ROWID;

-- Longitude, latitude and time (days since epoch) of live events in one R*Tree, so that a box
-- and a time window are answered by one index rather than a B-tree on time competing with it.
CREATE VIRTUAL TABLE events_rtree USING rtree (id, min_x, max_x, min_y, max_y, min_t, max_t);

-- Folded words of title, description, places, actors, tags, sources and excerpts. Only which
-- events hold a word is kept (detail = none): searches are conjunctions of words and prefixes.
CREATE VIRTUAL TABLE events_fts USING fts5 (body, content = '', contentless_delete = 1, detail = none, tokenize = 'unicode61');

CREATE TABLE sources (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL UNIQUE,
    title        TEXT,
    publisher    TEXT,
    published_at INTEGER,
    language     TEXT,
    archived_url TEXT,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE event_sources (
    seq       INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    source_id TEXT NOT NULL REFERENCES sources (id),
    position  INTEGER NOT NULL,
    excerpt   TEXT,
    PRIMARY KEY (seq, source_id)
) STRICT;
CREATE INDEX event_sources_by_source ON event_sources (source_id);

CREATE TABLE revisions (
    event_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'import')),
    reason   TEXT,
    changes  TEXT NOT NULL,                -- JSON, written by eventmap only
    PRIMARY KEY (event_id, revision)
) STRICT;
