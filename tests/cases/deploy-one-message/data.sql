INSERT INTO tasks (id, title) VALUES (1, 'a'), (2, 'b');
