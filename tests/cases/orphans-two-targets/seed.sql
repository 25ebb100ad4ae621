INSERT INTO organizations (id) VALUES (1), (2), (7);
INSERT INTO users (id) VALUES (5), (6);
INSERT INTO events (id, stream_type, stream_id) VALUES
    (1, 'organization', 1),
    (2, 'user', 5),
    -- organization 5 does not exist (user 5 does): an orphan of the organizations target
    (3, 'organization', 5),
    -- user 7 does not exist (organization 7 does): an orphan of the users target
    (4, 'user', 7),
    (5, 'organization', 404),
    -- a stream type neither target selects is never checked
    (6, 'device', 999);
INSERT INTO notes (id, kind, subject_id) VALUES
    (1, 'organization', 2),
    (2, 'user', 6),
    (3, 'user', NULL);
