CREATE TABLE media (
    id            uuid PRIMARY KEY,
    owner_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    object_key    text NOT NULL UNIQUE,
    content_type  text NOT NULL,
    declared_size bigint NOT NULL,
    -- Filled in by the consumer once the object has arrived and been checked.
    size          bigint,
    width         int,
    height        int,
    thumbnail_key text,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'rejected')),
    reason        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_owner ON media (owner_id, created_at DESC);
