-- The user service's tables are its own; what others may know of users is in these views
-- (cs_readmodel reads them by column name). Nothing secret: no password hash, no email.
SELECT cs_service_role('cs_user');
GRANT SELECT, INSERT, UPDATE, DELETE ON users, followers, refresh_tokens, blocks TO cs_user;

CREATE VIEW user_summaries AS
    SELECT id, username, display_name, bio, avatar_url, followers_count, following_count, created_at, updated_at
    FROM users;
CREATE VIEW user_follows AS SELECT user_id, follower_id, created_at FROM followers;
CREATE VIEW user_blocks AS SELECT blocker_id, blocked_id FROM blocks;
GRANT SELECT ON user_summaries, user_follows, user_blocks TO cs_services;

-- Where email notifications go: the notification service alone may read it.
SELECT cs_service_role('cs_notify');
CREATE VIEW user_contacts AS SELECT id, email FROM users;
GRANT SELECT ON user_contacts TO cs_notify;
