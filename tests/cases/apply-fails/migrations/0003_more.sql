CREATE TABLE tasks (
    id bigint PRIMARY KEY
);
