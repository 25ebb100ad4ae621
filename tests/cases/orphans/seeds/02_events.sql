INSERT INTO events (stream_type, stream_id, actor_id) VALUES
    ('organization', 1, 1),
    ('organization', 2, 2),
    ('organization', 999, NULL),   -- orphan
    ('organization', 998, 1),      -- orphan
    ('organization', 999, 2),      -- same orphan again
    ('user', 12345, NULL),         -- not an organization stream: filtered out by `where`
    ('user', 1, 1);
