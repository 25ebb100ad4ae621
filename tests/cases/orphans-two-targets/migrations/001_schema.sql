CREATE TABLE organizations (id bigint PRIMARY KEY);
CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE events (
    id bigint PRIMARY KEY,
    stream_type text NOT NULL,
    stream_id bigint NOT NULL
);
-- the same events, another column: only user streams are orphans there
CREATE TABLE notes (
    id bigint PRIMARY KEY,
    kind text NOT NULL,
    subject_id bigint
);
