-- Verify flipr:projects_org_index on pg: never run by a deploy.
SELECT 1/0;
