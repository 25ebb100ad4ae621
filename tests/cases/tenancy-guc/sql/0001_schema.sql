GRANT USAGE ON SCHEMA public TO app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app;

-- The tenant table isolates itself: a tenant sees only its own organization.
CREATE TABLE organizations (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON organizations TO app
    USING (id = current_setting('app.tenant_id', true)::bigint);

CREATE TABLE projects (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name   text NOT NULL,
    UNIQUE (org_id, id)
);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON projects TO app
    USING (org_id = current_setting('app.tenant_id', true)::bigint)
    WITH CHECK (org_id = current_setting('app.tenant_id', true)::bigint);

-- Correct: the composite key keeps a task's project within its tenant.
CREATE TABLE tasks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    project_id bigint NOT NULL,
    title      text NOT NULL,
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE,
    UNIQUE (org_id, id)
);
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON tasks TO app
    USING (org_id = current_setting('app.tenant_id', true)::bigint)
    WITH CHECK (org_id = current_setting('app.tenant_id', true)::bigint);

-- Broken: a plain FK, so a comment of one tenant can point at another tenant's task (FK checks
-- ignore row level security).
CREATE TABLE comments (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id  bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    body    text
);
ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON comments TO app
    USING (org_id = current_setting('app.tenant_id', true)::bigint)
    WITH CHECK (org_id = current_setting('app.tenant_id', true)::bigint);

-- Broken: the application's role owns the table, and row level security is not forced.
CREATE TABLE events (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind   text NOT NULL
);
ALTER TABLE events OWNER TO app;
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON events TO app
    USING (org_id = current_setting('app.tenant_id', true)::bigint)
    WITH CHECK (org_id = current_setting('app.tenant_id', true)::bigint);

-- Correct: owned by the role too, but forced.
CREATE TABLE metrics (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    value  numeric NOT NULL
);
ALTER TABLE metrics OWNER TO app;
ALTER TABLE metrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE metrics FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON metrics TO app
    USING (org_id = current_setting('app.tenant_id', true)::bigint)
    WITH CHECK (org_id = current_setting('app.tenant_id', true)::bigint);
