--liquibase formatted sql

--changeset dev:projects
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id)
);
