-- An archive table loaded separately, then attached: a dropped column and another
-- column order give org_id attnum 5 here (2 in the parent).
CREATE TABLE events_2023 (
    legacy_payload jsonb,
    created_at timestamp with time zone NOT NULL,
    kind text NOT NULL,
    id bigint NOT NULL,
    org_id bigint NOT NULL
);
ALTER TABLE events_2023 DROP COLUMN legacy_payload;
ALTER TABLE events ATTACH PARTITION events_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
