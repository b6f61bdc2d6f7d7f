-- Following changes: saved searches, webhooks, and the queue of webhook deliveries with every
-- attempt. Times are ms since the epoch; ids are UUID text.

CREATE TABLE searches (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    filters    TEXT NOT NULL CHECK (json_valid(filters)),   -- {"key": "value" | ["values"]}
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    search_id  TEXT REFERENCES searches (id),              -- follows a saved search, or
    filters    TEXT CHECK (filters IS NULL OR json_valid(filters)),  -- its own filters
    secret     TEXT NOT NULL,                               -- the HMAC key (needed to sign)
    events     TEXT NOT NULL,                               -- created,updated,deleted
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    cursor     INTEGER NOT NULL,                            -- changes matched up to this change_seq
    deleted_at INTEGER,
    CHECK ((search_id IS NULL) <> (filters IS NULL))
) STRICT;

CREATE TABLE deliveries (
    id           TEXT PRIMARY KEY,
    webhook_id   TEXT NOT NULL REFERENCES webhooks (id),
    event_id     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'deleted')),
    change       INTEGER NOT NULL,                          -- the change_seq it was made for
    body         TEXT NOT NULL,                             -- the bytes sent (and signed)
    state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,                          -- when the next attempt is due
    lease_until  INTEGER NOT NULL DEFAULT 0,                -- a worker holds it until then
    leased_by    TEXT,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (webhook_id, event_id, change)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending';
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, created_at);

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    number      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,                                    -- the receiver's, when it answered
    error       TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, number)
) STRICT;
