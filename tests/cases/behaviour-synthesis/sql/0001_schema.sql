CREATE TYPE priority AS ENUM ('low', 'medium', 'high');
CREATE DOMAIN percentage AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100);
CREATE DOMAIN slug AS text CHECK (VALUE ~ '^[a-z0-9-]+$');

CREATE TABLE organizations (
    id      integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code    varchar(3) NOT NULL UNIQUE,
    country char(2) NOT NULL
);

CREATE TABLE tasks (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    integer NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- roots point at themselves: a NOT NULL self-reference
    parent_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    priority  priority NOT NULL,
    status    text NOT NULL CHECK (status IN ('todo', 'doing', 'done')),
    estimate  numeric(6,2) NOT NULL CHECK (estimate > 0 AND estimate <= 40),
    progress  percentage NOT NULL,
    handle    slug NOT NULL,
    path      ltree NOT NULL,
    tags      text[] NOT NULL CHECK (cardinality(tags) > 0),
    meta      jsonb NOT NULL CHECK (jsonb_typeof(meta) = 'object'),
    due       date NOT NULL,
    starts    time NOT NULL,
    UNIQUE (org_id, handle)
);

-- No primary key; two FKs to the same table that must differ.
CREATE TABLE task_links (
    from_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    to_id   bigint NOT NULL REFERENCES tasks (id) ON DELETE RESTRICT,
    CHECK (from_id <> to_id)
);
