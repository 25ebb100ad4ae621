CREATE TYPE address AS (street text, number integer);

CREATE TABLE people (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- a placeholder is refused: the CHECK's literal comes first, then '{}', then one per row
    name_parts text[] NOT NULL UNIQUE CHECK (name_parts <> '{unknown}')
);

CREATE TABLE labels (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tags integer[] NOT NULL CHECK (tags <> '{0}'),
    kind text NOT NULL CHECK (kind IN ('a', 'b')),
    UNIQUE (tags, kind)
);

CREATE TABLE bookings (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    during tstzrange NOT NULL CHECK (NOT isempty(during) AND during <> '[2000-01-01,2000-01-02)'),
    EXCLUDE USING gist (during WITH &&)
);

CREATE TABLE sites (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address address NOT NULL UNIQUE
);

CREATE TABLE refs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id  bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    label_id   bigint NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    booking_id bigint NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    -- declared cascade below: the broken promise
    site_id    bigint REFERENCES sites (id) ON DELETE SET NULL
);
