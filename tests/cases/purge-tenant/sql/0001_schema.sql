DO $$ BEGIN CREATE ROLE app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT USAGE ON SCHEMA public TO app;

CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
  name text NOT NULL
);
CREATE TABLE tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES projects ON DELETE CASCADE,
  title text NOT NULL
);
-- Projections, rebuilt from the event log: the tenant id by value, no foreign key.
CREATE TABLE activity_feed (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL,
  line text NOT NULL
);
CREATE TABLE feed_items (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feed_id bigint NOT NULL REFERENCES activity_feed ON DELETE CASCADE,
  body text NOT NULL
);
CREATE TABLE usage_rollups (
  tenant_org uuid NOT NULL,
  day date NOT NULL DEFAULT '2026-01-01',
  requests bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_org, day)
);

ALTER TABLE activity_feed ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON activity_feed TO app
  USING (org_id = current_setting('app.tenant_id', true)::uuid)
  WITH CHECK (org_id = current_setting('app.tenant_id', true)::uuid);
ALTER TABLE usage_rollups ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON usage_rollups TO app
  USING (tenant_org = current_setting('app.tenant_id', true)::uuid)
  WITH CHECK (tenant_org = current_setting('app.tenant_id', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app;
