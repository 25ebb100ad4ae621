CREATE TABLE organizations (
    id bigint PRIMARY KEY
);
CREATE TABLE events (
    id bigint NOT NULL,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX events_org_id_idx ON events (org_id);
CREATE INDEX events_kind_idx ON events (kind);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
