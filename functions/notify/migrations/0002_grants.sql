SELECT cs_service_role('cs_notify');
GRANT SELECT, INSERT, UPDATE, DELETE ON notifications, notification_preferences, emails TO cs_notify;
