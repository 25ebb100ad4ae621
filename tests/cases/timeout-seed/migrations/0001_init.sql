SET statement_timeout = 0;
SET lock_timeout = 0;
CREATE TABLE organizations (id bigint PRIMARY KEY);
