CREATE TABLE organizations (
    id bigint PRIMARY KEY
);
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id),
    UNIQUE (org_id, id)
);
-- Tenant-safe composite FK: (org_id, project_id) -> projects (org_id, id).
CREATE TABLE tasks (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id),
    project_id bigint NOT NULL,
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id)
);
CREATE TABLE comments (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL,
    project_id bigint,
    author_id bigint,
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id)
);
