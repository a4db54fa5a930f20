-- Every service writes events to the outbox in its own transactions, relays them, and
-- records the events its consumers applied.
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox, processed_events TO cs_services;
GRANT USAGE ON SEQUENCE outbox_id_seq TO cs_services;
SELECT cs_service_role('cs_outbox');
