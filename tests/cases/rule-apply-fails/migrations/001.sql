CREATE TABLE organizations (id bigint PRIMARY KEY);
CREATE TABLE projects (id bigint PRIMARY KEY, org_id bigint REFERENCES organisations (id));
