-- Captures of sources (issue 21): the tables of migrations/sqlite/0009_captures.sql. The bytes
-- are kept once per SHA-256 in capture_blobs (bytea, TOASTed and compressed by PostgreSQL), so
-- pg_dump carries them. Several instances share the queue: a worker leases due captures with
-- FOR UPDATE SKIP LOCKED.

CREATE TABLE capture_blobs (
    sha256 text PRIMARY KEY CHECK (length(sha256) = 64),
    size   bigint NOT NULL,
    bytes  bytea NOT NULL
);

CREATE TABLE captures (
    id           uuid PRIMARY KEY,
    source_id    uuid NOT NULL REFERENCES sources (id),
    url          text NOT NULL,
    state        text NOT NULL CHECK (state IN ('queued', 'captured', 'failed', 'refused')),
    reason       text,
    attempts     integer NOT NULL DEFAULT 0,
    next_at      bigint NOT NULL,
    lease_until  bigint NOT NULL DEFAULT 0,
    leased_by    text,
    requested_at bigint NOT NULL,
    requested_by text NOT NULL,
    captured_at  bigint,
    final_url    text,
    status       integer,
    content_type text,
    headers      text,
    size         bigint,
    sha256       text,
    origin       text NOT NULL DEFAULT 'eventmap',
    archive_url  text
);
CREATE INDEX captures_due ON captures (next_at) WHERE state = 'queued';
CREATE INDEX captures_by_source ON captures (source_id, requested_at);
