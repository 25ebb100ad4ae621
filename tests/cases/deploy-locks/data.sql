INSERT INTO organizations (id, name) VALUES (1, 'a'), (2, 'b');
INSERT INTO tasks (id, org_id, owner_org, title, points, done)
VALUES (1, 1, 1, 'x', 1, false), (2, 2, 2, 'y', 2, true);
