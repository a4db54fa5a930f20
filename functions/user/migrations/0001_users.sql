CREATE TABLE users (
    id              uuid PRIMARY KEY,
    username        text NOT NULL,
    email           text NOT NULL,
    hashed_password text NOT NULL,
    display_name    text,
    bio             text,
    avatar_url      text,
    -- Kept in the same transaction as the follow edge, so a profile read is one row.
    followers_count bigint NOT NULL DEFAULT 0 CHECK (followers_count >= 0),
    following_count bigint NOT NULL DEFAULT 0 CHECK (following_count >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Case-insensitive uniqueness: "Alice" and "alice" are the same account.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE followers (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    follower_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, follower_id),
    CHECK (user_id <> follower_id)
);
-- Keyset pages, newest first: followers of a user, and whom a user follows.
CREATE INDEX followers_page ON followers (user_id, created_at DESC, follower_id DESC);
CREATE INDEX following_page ON followers (follower_id, created_at DESC, user_id DESC);

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    -- Every token rotated from one login shares a family; reuse of a rotated token revokes it.
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    replaced_at timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
