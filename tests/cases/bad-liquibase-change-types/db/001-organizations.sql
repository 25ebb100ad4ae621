--liquibase formatted sql
--changeset ann:1
CREATE TABLE organizations (id bigint PRIMARY KEY);
