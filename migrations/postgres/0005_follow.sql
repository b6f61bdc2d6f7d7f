-- Following changes: saved searches, webhooks, and the queue of webhook deliveries with every
-- attempt (the tables of migrations/sqlite/0006_follow.sql). Several instances share the queue:
-- a worker leases due deliveries with FOR UPDATE SKIP LOCKED, so each is sent by one of them.

CREATE TABLE searches (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    filters    jsonb NOT NULL,
    created_by text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);

CREATE TABLE webhooks (
    id         uuid PRIMARY KEY,
    url        text NOT NULL,
    search_id  uuid REFERENCES searches (id),
    filters    jsonb,
    secret     text NOT NULL,
    events     text NOT NULL,
    created_by text NOT NULL,
    created_at bigint NOT NULL,
    cursor     bigint NOT NULL,
    deleted_at bigint,
    CHECK ((search_id IS NULL) <> (filters IS NULL))
);

CREATE TABLE deliveries (
    id           uuid PRIMARY KEY,
    webhook_id   uuid NOT NULL REFERENCES webhooks (id),
    event_id     uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('created', 'updated', 'deleted')),
    change       bigint NOT NULL,
    body         text NOT NULL,
    state        text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    next_at      bigint NOT NULL,
    lease_until  bigint NOT NULL DEFAULT 0,
    leased_by    text,
    created_at   bigint NOT NULL,
    delivered_at bigint,
    UNIQUE (webhook_id, event_id, change)
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending';
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, created_at);

CREATE TABLE delivery_attempts (
    delivery_id uuid NOT NULL REFERENCES deliveries (id),
    number      integer NOT NULL,
    at          bigint NOT NULL,
    status      integer,
    error       text,
    duration_ms integer NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
