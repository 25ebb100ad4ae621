DROP INDEX CONCURRENTLY projects_org_id_idx;
