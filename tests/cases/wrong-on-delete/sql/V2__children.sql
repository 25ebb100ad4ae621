-- declared cascade, actual SET NULL
CREATE TABLE members (
    id bigint PRIMARY KEY,
    org_id bigint REFERENCES organizations (id) ON DELETE SET NULL
);
-- declared restrict, actual NO ACTION (the default)
CREATE TABLE teams (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id)
);
-- declared no action, actual RESTRICT
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT
);
-- declared no action, actual NO ACTION (explicit)
CREATE TABLE boards (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE NO ACTION
);
-- declared set default, actual SET DEFAULT
CREATE TABLE labels (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL DEFAULT 0 REFERENCES organizations (id) ON DELETE SET DEFAULT
);
-- no on_delete declared: any action is fine
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
