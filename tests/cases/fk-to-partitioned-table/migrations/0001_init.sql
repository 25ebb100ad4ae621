CREATE TABLE threads (
    id bigint PRIMARY KEY,
    title text NOT NULL
) PARTITION BY HASH (id);
CREATE TABLE threads_p0 PARTITION OF threads FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE threads_p1 PARTITION OF threads FOR VALUES WITH (MODULUS 2, REMAINDER 1);

CREATE TABLE replies (
    id bigint PRIMARY KEY,
    thread_id bigint NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    body text NOT NULL
);
CREATE INDEX replies_thread_id_idx ON replies (thread_id);

-- Same, but to the wrong action.
CREATE TABLE reactions (
    id bigint PRIMARY KEY,
    thread_id bigint NOT NULL REFERENCES threads (id) ON DELETE SET NULL
);
