CREATE TABLE organizations (id bigint PRIMARY KEY);
CREATE TABLE documents (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE SET NULL,
    title text
);
CREATE INDEX documents_org_id_idx ON documents (org_id);
CREATE TABLE notes (
    id bigint PRIMARY KEY,
    org_id bigint REFERENCES organizations (id),
    body text
);
