-- The webhook service's delivery log and the delivery state of each
-- subscription. Portable across SQLite and PostgreSQL: text, integers
-- (0/1 for flags), epoch milliseconds.

-- One row per (event, subscription): the id is the webhook-id header, so a
-- redelivered event inserts nothing new.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    subscription TEXT NOT NULL,
    -- Deliveries of one key (a conversation) to one subscription go out in
    -- the order of (event_at_ms, source_seq, ordinal).
    ordering_key TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_at_ms BIGINT NOT NULL,
    source_seq BIGINT NOT NULL,
    ordinal INTEGER NOT NULL,
    -- The exact body POSTed on every attempt.
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    response_status INTEGER NOT NULL,
    response_excerpt TEXT NOT NULL,
    error TEXT NOT NULL,
    next_attempt_ms BIGINT NOT NULL,
    -- An instance attempting it holds it until then (a crash lets it go).
    lease_until_ms BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS webhook_deliveries_queue
    ON webhook_deliveries (subscription, ordering_key, status);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due
    ON webhook_deliveries (status, next_attempt_ms);
CREATE INDEX IF NOT EXISTS webhook_deliveries_log
    ON webhook_deliveries (subscription, created_at_ms);

CREATE TABLE IF NOT EXISTS webhook_states (
    subscription TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    consecutive_failures INTEGER NOT NULL,
    paused INTEGER NOT NULL,
    paused_reason TEXT NOT NULL,
    paused_at_ms BIGINT NOT NULL,
    -- The subscription's generation when it paused; the gateway raises the
    -- generation to resume.
    generation BIGINT NOT NULL
);
