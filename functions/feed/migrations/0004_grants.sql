SELECT cs_service_role('cs_feed');
GRANT SELECT, INSERT, UPDATE, DELETE ON posts, comments, likes, timelines TO cs_feed;
