-- API tokens (only a hash of each secret is kept) and a team's own places.

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,           -- public part of the token
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    secret_hash  TEXT NOT NULL,              -- SHA-256 of the secret part, hex
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
) STRICT;

CREATE TABLE places (
    id         TEXT PRIMARY KEY,             -- custom:<uuid> or geonames:<id>
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    country    TEXT,
    admin1     TEXT,
    lon        REAL NOT NULL,
    lat        REAL NOT NULL,
    population INTEGER NOT NULL DEFAULT 0,
    names      TEXT NOT NULL CHECK (json_valid(names)),   -- JSON array of every name
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
) STRICT;
