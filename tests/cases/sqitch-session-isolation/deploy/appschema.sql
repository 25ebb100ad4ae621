-- Deploy iso:appschema to pg
CREATE SCHEMA app;
SET search_path TO app, public;
CREATE TABLE app.settings (id bigint PRIMARY KEY);
