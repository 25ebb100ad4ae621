CREATE TABLE users (user_id bigint PRIMARY KEY, name text);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (user_id)
);
-- the same column name in another schema is another column: the rule applies there
-- only if its schema is covered (it is not: schemas = ["public"])
CREATE SCHEMA archive;
CREATE TABLE archive.users (user_id bigint PRIMARY KEY);
