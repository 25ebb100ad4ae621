CREATE TABLE projects (
    id     bigint PRIMARY KEY,
    org_id bigint,
    name   text
);

-- Data the application wrote before the NOT NULLs below.
INSERT INTO projects VALUES (1, 10, 'rockets'), (2, NULL, NULL), (3, 10, NULL);
