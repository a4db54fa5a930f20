-- A post's attached upload (the media service's); the post stays if the media goes.
ALTER TABLE posts ADD COLUMN media_id uuid REFERENCES media (id) ON DELETE SET NULL;
