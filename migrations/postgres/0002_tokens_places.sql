-- API tokens (only a hash of each secret is kept) and a team's own places, as on SQLite.

CREATE TABLE tokens (
    id           text PRIMARY KEY,           -- public part of the token
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    secret_hash  text NOT NULL,              -- SHA-256 of the secret part, hex
    created_at   bigint NOT NULL,
    revoked_at   bigint,
    last_used_at bigint
);

CREATE TABLE places (
    id         text PRIMARY KEY,             -- custom:<uuid> or geonames:<id>
    name       text NOT NULL,
    kind       text NOT NULL,
    country    text,
    admin1     text,
    lon        double precision NOT NULL,
    lat        double precision NOT NULL,
    population bigint NOT NULL DEFAULT 0,
    names      json NOT NULL,                -- JSON array of every name
    created_at bigint NOT NULL,
    created_by text NOT NULL
);
