-- A partition created after the FK and index exist inherits both.
CREATE TABLE messages_2024_03 PARTITION OF messages FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
