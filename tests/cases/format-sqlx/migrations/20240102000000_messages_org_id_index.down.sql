-- no-transaction
DROP INDEX CONCURRENTLY messages_org_id_idx;
