CREATE TABLE tasks (id bigint PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false);
