CREATE TABLE organizations (
    id   bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE
);
