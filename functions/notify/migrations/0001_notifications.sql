CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type        text NOT NULL,
    subject_id  uuid NOT NULL,
    -- Unread notifications with the same key are one: "A and 5 others liked your post".
    group_key   text NOT NULL,
    -- Newest first, the ten most recent; actor_count counts them all.
    actor_ids   uuid[] NOT NULL,
    actor_count int NOT NULL,
    read_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX notifications_unread_group ON notifications (user_id, group_key) WHERE read_at IS NULL;
CREATE INDEX notifications_page ON notifications (user_id, updated_at DESC, id DESC);

CREATE TABLE notification_preferences (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type    text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('in_app', 'email', 'off')),
    PRIMARY KEY (user_id, type)
);

-- Written in the consumer's transaction, sent after commit; the outbox sweep retries the unsent.
CREATE TABLE emails (
    id         uuid PRIMARY KEY,
    user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    to_address text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    headers    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    attempts   int NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX emails_unsent ON emails (created_at) WHERE sent_at IS NULL;
