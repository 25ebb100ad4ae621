CREATE TABLE organizations (
    id bigserial PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE messages (
    id bigserial,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    body text NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
);

CREATE INDEX messages_org_id_idx ON messages (org_id);
