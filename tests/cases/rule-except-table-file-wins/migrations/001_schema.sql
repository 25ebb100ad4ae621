CREATE TABLE organizations (id bigint PRIMARY KEY);
-- Invoices outlive their organization: RESTRICT on purpose.
CREATE TABLE invoices (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT
);
-- Payments claim to be excepted with cascade, but the schema says RESTRICT too.
CREATE TABLE payments (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT
);
-- Follows the rule.
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX ON projects (org_id);
