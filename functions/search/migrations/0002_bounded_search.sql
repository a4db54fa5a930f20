-- People by any word of their names, begun or misspelt, without a trigram comparison per user.
-- The distinct words of usernames and display names (lower-cased, unaccented, at least one
-- letter) form a vocabulary with a trigram index; each user row lists its words. A search
-- expands what was typed into the words of the vocabulary that begin with it or are close to
-- it (as OpenSearch's fuzzy query expands into a bounded number of terms), then finds the
-- users holding those words through a GIN index on the arrays. Comparing a name word against
-- a word also stops the false "close" matches a trigram comparison across a whole display
-- name made (`fmoalo` was 0.43 from "rumalo foneda", 0.29 from the name `fomalo`).
-- The vocabulary only grows: a word nobody holds any more expands to no one.
CREATE FUNCTION search_name_words(username text, display_name text) RETURNS text[]
    IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$
    SELECT array_agg(DISTINCT w COLLATE "C" ORDER BY w COLLATE "C")
    FROM regexp_split_to_table(coalesce(username, '') || ' ' || coalesce(display_name, ''), '[^[:alnum:]]+') w
    WHERE w ~ '[[:alpha:]]'
$$;

CREATE TABLE search_name_terms (term text COLLATE "C" PRIMARY KEY);
CREATE INDEX search_name_terms_trgm ON search_name_terms USING gin (term gin_trgm_ops);

ALTER TABLE search_users ADD COLUMN name_terms text[] COLLATE "C";
UPDATE search_users SET name_terms = search_name_words(username_key, display_key) WHERE visible;
INSERT INTO search_name_terms SELECT DISTINCT unnest(name_terms) FROM search_users WHERE visible;
CREATE INDEX search_users_name_terms ON search_users USING gin (name_terms) WHERE visible;

-- Whole names are no longer compared by trigrams.
DROP INDEX search_users_username_trgm, search_users_display_trgm;

-- A relevance search ranks the newest matches of a common word, found by walking this index
-- (as posts walk search_posts_newest); newest first is also the items' `sort=newest`.
CREATE INDEX search_items_newest ON search_items (created_at DESC, id DESC) WHERE visible;

GRANT SELECT, INSERT, UPDATE, DELETE ON search_name_terms TO cs_search;
