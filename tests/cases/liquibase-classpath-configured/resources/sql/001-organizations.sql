--liquibase formatted sql

--changeset dev:organizations
CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
--rollback DROP TABLE organizations;
