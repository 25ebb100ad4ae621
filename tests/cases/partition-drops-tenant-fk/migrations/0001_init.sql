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

INSERT INTO organizations (name) VALUES ('acme');
INSERT INTO messages (org_id, body, created_at) VALUES (1, 'hello', '2024-01-15');
