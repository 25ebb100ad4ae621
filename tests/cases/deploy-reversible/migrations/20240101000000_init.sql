-- migrate:up
CREATE TABLE tasks (id int PRIMARY KEY, title text);

-- migrate:down
DROP TABLE tasks;
