CREATE TABLE conversations (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('direct', 'group')),
    name            text,
    -- A direct conversation's two members, smaller id first: one conversation per pair.
    direct_a        uuid REFERENCES users (id) ON DELETE CASCADE,
    direct_b        uuid REFERENCES users (id) ON DELETE CASCADE,
    created_by      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Last activity (creation or newest message): the conversation list's order.
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'direct') = (direct_a IS NOT NULL AND direct_b IS NOT NULL AND direct_a < direct_b)),
    CHECK (kind = 'group' OR name IS NULL)
);
CREATE UNIQUE INDEX conversations_direct_pair ON conversations (direct_a, direct_b) WHERE kind = 'direct';

CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at       timestamptz NOT NULL DEFAULT now(),
    -- Messages after this are unread (the member's own never are).
    last_read_at    timestamptz NOT NULL DEFAULT now(),
    last_read_message_id uuid,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id);

CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body            text NOT NULL,
    -- The sender's own id for the message: a retry with the same one is the same message.
    client_id       text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    edited_at       timestamptz,
    deleted         boolean NOT NULL DEFAULT false,
    UNIQUE (conversation_id, sender_id, client_id)
);
-- History pages (newest first), the last message, and unread counts all walk this.
CREATE INDEX messages_page ON messages (conversation_id, created_at DESC, id DESC);
