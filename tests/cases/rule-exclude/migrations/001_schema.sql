CREATE TABLE organizations (id bigint PRIMARY KEY);
-- excluded by the table glob audit_*: no FK, no index, no test
CREATE TABLE audit_log (id bigint PRIMARY KEY, org_id bigint);
CREATE TABLE audit_events (id bigint PRIMARY KEY, org_id bigint);
-- users.org_id is excluded as table.column: a user's home org may be gone
CREATE TABLE users (id bigint PRIMARY KEY, org_id bigint);
-- members.org_id is not excluded and has no index: indexed FAILED (the rule still applies)
CREATE TABLE members (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id)
);
-- an audit-like name the glob does not match: the rule applies, and the FK is missing
CREATE TABLE auditors (id bigint PRIMARY KEY, org_id bigint);
CREATE INDEX ON auditors (org_id);
