CREATE TABLE posts (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content       text NOT NULL,
    media_url     text,
    -- Kept in the transactions that add and remove likes and comments.
    like_count    int NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    comment_count int NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX posts_by_author ON posts (user_id, created_at DESC, id DESC);
CREATE INDEX posts_public ON posts (created_at DESC, id DESC);

CREATE TABLE comments (
    id         uuid PRIMARY KEY,
    post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX comments_page ON comments (post_id, created_at, id);

CREATE TABLE likes (
    post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);

-- Home timelines, fanned out on write: one row per (reader, post) of ordinary authors.
-- Posts of authors with very many followers are merged in on read instead.
CREATE TABLE timelines (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id  uuid NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, post_id)
);
CREATE INDEX timelines_page ON timelines (user_id, created_at DESC, post_id DESC);
CREATE INDEX timelines_author ON timelines (user_id, author_id);
CREATE INDEX timelines_post ON timelines (post_id);
