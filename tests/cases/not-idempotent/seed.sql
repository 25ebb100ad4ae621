INSERT INTO organizations (id, name) VALUES (1, 'acme');
INSERT INTO projects (id, org_id) VALUES (1, 1);
INSERT INTO audit_log (org_id, action) VALUES (1, 'created');
