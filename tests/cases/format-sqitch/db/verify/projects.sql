-- Verify flipr:projects on pg: never run by a deploy.
SELECT 1/0;
