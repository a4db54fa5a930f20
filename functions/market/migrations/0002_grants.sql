SELECT cs_service_role('cs_market');
GRANT SELECT, INSERT, UPDATE, DELETE ON items, orders, order_history, payment_events TO cs_market;
GRANT USAGE ON SEQUENCE order_history_id_seq TO cs_market;
