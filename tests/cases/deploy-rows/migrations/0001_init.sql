CREATE TABLE tags (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE labels (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE events (kind text, n int);
