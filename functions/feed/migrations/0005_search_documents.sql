-- What the search service may know of posts, to index them and to show its hits as posts
-- (cs_readmodel reads these views by column name).
SELECT cs_service_role('cs_search');
CREATE VIEW post_documents AS
    SELECT id, user_id AS author_id, content, media_url, media_id, like_count, comment_count, created_at, updated_at
    FROM posts;
CREATE VIEW post_likes AS SELECT post_id, user_id FROM likes;
GRANT SELECT ON post_documents, post_likes TO cs_search;
