-- What an upload is for. An `item_file` is sold in the marketplace: it lives in the private
-- item-files bucket, and only its uploader may see its URL.
ALTER TABLE media ADD COLUMN purpose text NOT NULL DEFAULT 'post'
    CHECK (purpose IN ('post', 'avatar', 'item_file', 'item_preview'));

CREATE OR REPLACE VIEW media_files AS
    SELECT id, owner_id, object_key, content_type, declared_size, size, width, height, thumbnail_key,
           status, reason, created_at, purpose
    FROM media;
