INSERT INTO organizations (id, name) VALUES (0, 'unassigned');
