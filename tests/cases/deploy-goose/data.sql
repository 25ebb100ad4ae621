INSERT INTO events (id, kind, n) VALUES (1, 'a', 1), (2, 'b', 2);
