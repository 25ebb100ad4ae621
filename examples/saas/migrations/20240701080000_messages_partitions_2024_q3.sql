-- Monthly partition maintenance: next quarter's partitions, created while the
-- default partition holds no rows of those months (creating a partition fails
-- if the default partition already has rows that belong to it).
CREATE TABLE IF NOT EXISTS messages_2024_07 PARTITION OF messages
    FOR VALUES FROM ('2024-07-01 00:00:00+00') TO ('2024-08-01 00:00:00+00');
CREATE TABLE IF NOT EXISTS messages_2024_08 PARTITION OF messages
    FOR VALUES FROM ('2024-08-01 00:00:00+00') TO ('2024-09-01 00:00:00+00');
CREATE TABLE IF NOT EXISTS messages_2024_09 PARTITION OF messages
    FOR VALUES FROM ('2024-09-01 00:00:00+00') TO ('2024-10-01 00:00:00+00');
