-- Verify flipr:projects@v1.0 on pg: never run by a deploy.
SELECT 1/0;
