-- The search service's index (the Postgres adapter of its SearchIndex port): one table per
-- document type, written only by the indexer. Each row carries the version of the source it
-- was built from (the source row's updated_at, in microseconds, or the time a removal was
-- seen); a write with an older version changes nothing, so a stale event never wins. A
-- document that is gone or not visible (a deleted post, a draft or archived item) stays as a
-- tombstone (visible = false) so that an older read cannot bring it back.
-- pg_trgm and unaccent are trusted extensions: the migrating database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- English stemming after accents are removed: "Reykjavík" and "reykjavik", "runs" and
-- "running" are the same lexeme.
CREATE TEXT SEARCH CONFIGURATION cs_search (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION cs_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, english_stem;

-- Text as HTML, so that ts_headline's <mark> tags are the only markup in a highlight.
CREATE FUNCTION search_escape_html(t text) RETURNS text IMMUTABLE STRICT PARALLEL SAFE LANGUAGE sql AS $$
    SELECT replace(replace(replace(replace(replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
$$;

-- Names are kept lower-cased and unaccented (`*_key`), in the C collation so that a prefix
-- is a btree range, and with trigram indexes for close (misspelt) matches.
CREATE TABLE search_users (
    id           uuid PRIMARY KEY,
    version      bigint NOT NULL,
    visible      boolean NOT NULL,
    username     text,
    display_name text,
    bio          text,
    username_key text COLLATE "C",
    display_key  text COLLATE "C",
    tsv          tsvector,
    indexed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX search_users_username_prefix ON search_users (username_key) WHERE visible;
CREATE INDEX search_users_display_prefix ON search_users (display_key) WHERE visible;
CREATE INDEX search_users_username_trgm ON search_users USING gin (username_key gin_trgm_ops) WHERE visible;
CREATE INDEX search_users_display_trgm ON search_users USING gin (display_key gin_trgm_ops) WHERE visible;
CREATE INDEX search_users_tsv ON search_users USING gin (tsv) WHERE visible;

CREATE TABLE search_posts (
    id         uuid PRIMARY KEY,
    version    bigint NOT NULL,
    visible    boolean NOT NULL,
    author_id  uuid,
    content    text,
    has_media  boolean,
    created_at timestamptz,
    tsv        tsvector,
    indexed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX search_posts_tsv ON search_posts USING gin (tsv) WHERE visible;
CREATE INDEX search_posts_author ON search_posts (author_id, created_at DESC, id DESC) WHERE visible;
CREATE INDEX search_posts_newest ON search_posts (created_at DESC, id DESC) WHERE visible;

CREATE TABLE search_items (
    id          uuid PRIMARY KEY,
    version     bigint NOT NULL,
    visible     boolean NOT NULL,
    seller_id   uuid,
    title       text,
    description text,
    price       numeric(12, 2),
    currency    text,
    created_at  timestamptz,
    tsv         tsvector,
    indexed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX search_items_tsv ON search_items USING gin (tsv) WHERE visible;
CREATE INDEX search_items_seller ON search_items (seller_id, created_at DESC, id DESC) WHERE visible;
CREATE INDEX search_items_price ON search_items (price, id) WHERE visible;

SELECT cs_service_role('cs_search');
GRANT SELECT, INSERT, UPDATE, DELETE ON search_users, search_posts, search_items TO cs_search;
