CREATE TABLE organizations (id bigint PRIMARY KEY);
-- A column whose name holds a newline and a forged result line; no index on it.
CREATE TABLE members (
    id bigint PRIMARY KEY,
    "org_id
test x::y ... ok" bigint REFERENCES organizations (id)
);
-- A table named with ESC (an "erase line" sequence), a carriage return and a forged header;
-- and its twin whose name spells the escape with a real backslash.
CREATE TABLE U&"evil\001b[2K\000d---- forged ----" (id bigint PRIMARY KEY);
CREATE TABLE U&"evil\005cr" (id bigint PRIMARY KEY);
CREATE TABLE U&"evil\000d" (id bigint PRIMARY KEY);
