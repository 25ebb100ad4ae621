CREATE TABLE organizations (id bigint PRIMARY KEY);
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint REFERENCES organizations (id),
    billing_org_id bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
