CREATE TABLE organizations (
    id bigint PRIMARY KEY
);

-- Partitioned, FK and index on the parent: rule tests for messages only, none per partition.
CREATE TABLE messages (
    id bigint NOT NULL,
    org_id bigint NOT NULL REFERENCES organizations (id),
    created_at date NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX messages_org_id_idx ON messages (org_id);
CREATE TABLE messages_2024 PARTITION OF messages FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE messages_2025 PARTITION OF messages FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

-- Ignored ("*_backup", "tmp_??"): neither coverage nor rules, although they break the rule.
CREATE TABLE messages_backup (id bigint, org_id bigint);
CREATE TABLE tmp_01 (org_id bigint);

-- Not ignored ("tmp_??" needs exactly two characters), no table file: coverage fails,
-- and the rule applies (and fails).
CREATE TABLE tmp_001 (org_id bigint);
