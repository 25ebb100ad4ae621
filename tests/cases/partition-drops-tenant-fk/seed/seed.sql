INSERT INTO organizations (name) VALUES ('globex');
INSERT INTO messages (org_id, body, created_at) VALUES (2, 'feb', '2024-02-10'), (1, 'later', '2025-06-01');
