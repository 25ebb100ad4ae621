-- The seed runs after the chain, without .gmrc's pgSettings: a division by zero if the
-- migrations' search_path were still in force here.
SELECT 1 / (CASE WHEN current_setting('search_path') LIKE 'app%' THEN 0 ELSE 1 END);
INSERT INTO app.organizations (id, name) VALUES (1, 'acme');
