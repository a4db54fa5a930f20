SELECT cs_service_role('cs_media');
GRANT SELECT, INSERT, UPDATE, DELETE ON media TO cs_media;

-- What other services may know of an upload (a post shows its attached image).
CREATE VIEW media_files AS
    SELECT id, owner_id, object_key, content_type, declared_size, size, width, height, thumbnail_key,
           status, reason, created_at
    FROM media;
GRANT SELECT ON media_files TO cs_services;
