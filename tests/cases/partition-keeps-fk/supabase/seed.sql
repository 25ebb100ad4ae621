INSERT INTO organizations (name) VALUES ('acme'), ('globex');
INSERT INTO messages (org_id, body, created_at) VALUES
    (1, 'jan', '2024-01-15'),
    (2, 'feb', '2024-02-10'),
    (2, 'mar', '2024-03-05'),
    (1, 'later', '2025-06-01');
