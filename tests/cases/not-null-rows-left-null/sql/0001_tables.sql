CREATE TABLE projects (
    id     bigint PRIMARY KEY,
    org_id bigint,
    name   text,
    title  text NOT NULL
);

CREATE TABLE events (
    id     bigint NOT NULL,
    kind   text NOT NULL,
    org_id bigint,
    PRIMARY KEY (id, kind)
) PARTITION BY LIST (kind);
CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a');
CREATE TABLE events_b PARTITION OF events FOR VALUES IN ('b');

CREATE TABLE tasks (id bigint PRIMARY KEY, org_id bigint);
CREATE TABLE notes (id bigint PRIMARY KEY, org_id bigint);

-- No primary key: rows are named by ctid.
CREATE TABLE audit (org_id bigint, what text);

-- Data the application wrote before the NOT NULLs below.
INSERT INTO projects VALUES (1, 10, 'rockets', 't'), (2, NULL, NULL, 't'), (3, 10, NULL, 't');
INSERT INTO events VALUES (1, 'a', 10), (2, 'a', 10), (3, 'b', NULL);
INSERT INTO tasks VALUES (1, 10), (2, NULL);
INSERT INTO notes VALUES (1, 10);
INSERT INTO audit VALUES (10, 'created'), (NULL, 'imported');
