-- What the search service may know of items, to index them and to show its hits as items
-- (cs_readmodel reads this view by column name). Never the file's storage key.
SELECT cs_service_role('cs_search');
CREATE VIEW item_documents AS
    SELECT id, seller_id, title, description, price, currency, status, copies_left, sales_count, file_name,
           file_size, preview_media_id, created_at, updated_at
    FROM items;
GRANT SELECT ON item_documents TO cs_search;
