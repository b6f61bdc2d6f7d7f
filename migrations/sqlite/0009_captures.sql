-- Captures of sources (issue 21): every fetch of a source's URL, kept, never overwritten, and
-- the job queue that makes them (state 'queued' rows are the jobs). The bytes are kept once per
-- SHA-256 in capture_blobs, inside this database file, so that a backup (VACUUM INTO) and
-- `eventmap copy` carry them with everything else. Times are ms since the epoch.

CREATE TABLE capture_blobs (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),       -- lower-case hex of bytes
    size   INTEGER NOT NULL,
    bytes  BLOB NOT NULL
) STRICT;

CREATE TABLE captures (
    id           TEXT PRIMARY KEY,
    source_id    TEXT NOT NULL REFERENCES sources (id),
    url          TEXT NOT NULL,                                 -- the URL requested
    state        TEXT NOT NULL CHECK (state IN ('queued', 'captured', 'failed', 'refused')),
    reason       TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,                              -- when a queued one is due
    lease_until  INTEGER NOT NULL DEFAULT 0,
    leased_by    TEXT,
    requested_at INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    captured_at  INTEGER,
    final_url    TEXT,
    status       INTEGER,
    content_type TEXT,
    headers      TEXT CHECK (headers IS NULL OR json_valid(headers)),  -- [["name", "value"], ...]
    size         INTEGER,
    sha256       TEXT,                -- in capture_blobs, unless imported from another archiver
    origin       TEXT NOT NULL DEFAULT 'eventmap',
    archive_url  TEXT
) STRICT;
CREATE INDEX captures_due ON captures (next_at) WHERE state = 'queued';
CREATE INDEX captures_by_source ON captures (source_id, requested_at);
