-- Before the checkpoint: Atlas never runs it on a fresh database. If it ran, 10_checkpoint.sql
-- would fail (organizations already exists).
CREATE TABLE organizations (id integer PRIMARY KEY);
