INSERT INTO organizations (id, name) VALUES (1, 'acme');
INSERT INTO projects (id, org_id, name) VALUES (1, 1, 'Rocket');
