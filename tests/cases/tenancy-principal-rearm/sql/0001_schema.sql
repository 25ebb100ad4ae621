CREATE TABLE organizations (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY organizations_tenant ON organizations
  USING (id = nullif(current_setting('app.tenant_id', true), '')::bigint);

CREATE TABLE docs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX ON docs (org_id);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY docs_tenant ON docs
  USING (org_id = nullif(current_setting('app.tenant_id', true), '')::bigint);
-- The leak: permissive policies are OR-ed, so every row is visible to every tenant.
CREATE POLICY docs_leak ON docs USING (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, docs TO app;
