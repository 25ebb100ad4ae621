CREATE TABLE IF NOT EXISTS organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL,
    name text NOT NULL
);
INSERT INTO organizations (id, name) VALUES (0, 'system') ON CONFLICT (id) DO NOTHING;
