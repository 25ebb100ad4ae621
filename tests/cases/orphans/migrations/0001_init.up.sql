CREATE TABLE organizations (
    id bigint PRIMARY KEY
);
CREATE TABLE users (
    id bigint PRIMARY KEY
);
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_type text NOT NULL CHECK (stream_type IN ('organization', 'user')),
    stream_id bigint NOT NULL,
    actor_id bigint,
    payload jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_stream_idx ON events (stream_type, stream_id);
