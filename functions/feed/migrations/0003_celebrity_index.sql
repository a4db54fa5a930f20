-- Merge on read starts from the few authors over the threshold, not from the reader's follows.
CREATE INDEX users_by_followers ON users (followers_count DESC);
