CREATE TABLE organizations (
    id bigint PRIMARY KEY
);
-- Primary key in the order (created_at, id).
CREATE TABLE events (
    id bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    PRIMARY KEY (created_at, id)
);
-- No primary key at all, only a unique constraint.
CREATE TABLE tags (
    id bigint NOT NULL UNIQUE,
    name text NOT NULL
);
-- Composite primary key in the declared order.
CREATE TABLE memberships (
    org_id bigint NOT NULL,
    user_id bigint NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
-- Single-column primary key where a composite one is declared.
CREATE TABLE sessions (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL
);
