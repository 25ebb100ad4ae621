CREATE TABLE organizations (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);

-- RANGE with zero partitions: the app creates each month's partition.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    org_id     bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

-- Only past months, while the key defaults to now(): no partition takes the default.
CREATE TABLE messages (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    org_id     bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE messages_2024_01 PARTITION OF messages
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
CREATE TABLE messages_2024_02 PARTITION OF messages
    FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');

-- Sub-partitioned: LIST by region, then RANGE by month, with no month below 'eu' yet.
CREATE TABLE audit (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    org_id     bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    region     text NOT NULL DEFAULT 'eu',
    created_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY LIST (region);
CREATE TABLE audit_eu PARTITION OF audit FOR VALUES IN ('eu') PARTITION BY RANGE (created_at);

-- HASH with zero partitions (a HASH table cannot have a DEFAULT partition).
CREATE TABLE sessions (
    id     bigint GENERATED ALWAYS AS IDENTITY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
) PARTITION BY HASH (id);

-- Broken promises on a RANGE table with zero partitions: org_id is nullable and SET NULL.
CREATE TABLE notes (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    org_id     bigint REFERENCES organizations (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
