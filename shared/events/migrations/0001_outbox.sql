-- One row per (event, destination queue), written in the transaction that changed state.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL,
    event_type   text NOT NULL,
    queue        text NOT NULL,
    body         jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     int NOT NULL DEFAULT 0,
    last_error   text,
    UNIQUE (event_id, queue)
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE published_at IS NULL;

-- What each consumer has already applied: a redelivered event changes nothing twice.
-- Rows older than the retention (14 days, far beyond SQS's 4-day default) are pruned.
CREATE TABLE processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX processed_events_age ON processed_events (processed_at);
