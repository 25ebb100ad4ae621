CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    updated_at timestamp with time zone NOT NULL DEFAULT now()
);
SELECT diesel_manage_updated_at('organizations');

CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id)
);

-- No table file: coverage::tasks fails.
CREATE TABLE tasks (
    id bigint PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id)
);

-- Ignored by the glob "*_backup".
CREATE TABLE projects_backup (LIKE projects);

-- Partitioned: one coverage test for the parent, none for its partitions.
CREATE TABLE events (
    id bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

-- Not in `schemas`: not covered.
CREATE SCHEMA audit;
CREATE TABLE audit.log (
    id bigint PRIMARY KEY,
    entry text
);
