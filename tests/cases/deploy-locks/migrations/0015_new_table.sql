CREATE TABLE labels (id int PRIMARY KEY, name text);
INSERT INTO labels VALUES (1, 'urgent'), (2, 'later');
CREATE INDEX labels_name ON labels (name);
