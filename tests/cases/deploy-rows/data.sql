INSERT INTO tags (id, name) VALUES (1, 'red'), (2, 'red'), (3, 'blue'), (4, 'blue');
INSERT INTO labels (id, name) VALUES (1, 'urgent'), (2, 'urgent'), (3, 'later');
INSERT INTO events (kind, n) VALUES ('signup', 1), ('signup', 1), ('login', 2);
