-- Demo data.
INSERT INTO organizations (id, name) VALUES (1, 'acme');
INSERT INTO projects (id, org_id, name) VALUES (10, 1, 'rocket'), (11, 2, 'anvil');
INSERT INTO organizations (id, name) VALUES (2, 'globex');
