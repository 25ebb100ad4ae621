INSERT INTO organizations (id) VALUES (1);
INSERT INTO events (id, kind, stream_id) VALUES (1, 'organization', 1);
INSERT INTO slow_events (id, stream_id) VALUES (1, 1);
INSERT INTO write_events (id, stream_id) VALUES (1, 1);
