CREATE TABLE projects (id bigint PRIMARY KEY);
CREATE SCHEMA fluxend;
CREATE TABLE fluxend.api_keys (id bigint PRIMARY KEY, project_id bigint REFERENCES projects (id));
