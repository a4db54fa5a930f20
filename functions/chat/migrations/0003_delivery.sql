-- When a message's delivery completed: pushed to the members' connections and the members
-- who had none notified. Until then its `chat.message_sent` outbox row is the promise that
-- it will be (the sweep sends it to the chat queue, whose consumer finishes the delivery).
ALTER TABLE messages ADD COLUMN delivered_at timestamptz;
UPDATE messages SET delivered_at = created_at;
