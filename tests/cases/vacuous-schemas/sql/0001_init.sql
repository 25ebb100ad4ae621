CREATE SCHEMA app;
CREATE TABLE app.organizations (id bigint PRIMARY KEY);
CREATE TABLE app.projects (id bigint PRIMARY KEY, org_id bigint REFERENCES app.organizations (id));
CREATE SCHEMA audit;
CREATE TABLE audit.events (id bigint PRIMARY KEY);
