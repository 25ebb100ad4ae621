-- migrate:up
CREATE TABLE organizations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);

-- On delete RESTRICT on purpose: the table file overrides the rule's cascade.
CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    created_at timestamp with time zone NOT NULL DEFAULT now()
);
CREATE INDEX projects_org_id_idx ON projects (org_id);

-- No table file: the rule alone covers it, and it complies.
CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at timestamp with time zone NOT NULL DEFAULT now()
);
CREATE INDEX tasks_org_id_idx ON tasks (org_id);

-- migrate:down
DROP TABLE tasks;
DROP TABLE projects;
DROP TABLE organizations;
