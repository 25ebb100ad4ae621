-- migrate:up
CREATE TABLE projects (id bigint PRIMARY KEY);

-- migrate:down
DROP TABLE projects;
