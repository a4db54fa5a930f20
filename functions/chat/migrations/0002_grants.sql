SELECT cs_service_role('cs_chat');
GRANT SELECT, INSERT, UPDATE, DELETE ON conversations, conversation_members, messages TO cs_chat;
