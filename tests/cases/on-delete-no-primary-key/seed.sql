INSERT INTO organizations (name) VALUES ('acme');
INSERT INTO tags (org_id, label) VALUES (NULL, NULL), (1, NULL);
INSERT INTO notes (org_id, body) VALUES (NULL, 'orphaned on purpose');
