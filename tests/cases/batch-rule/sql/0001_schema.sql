CREATE TABLE organizations (
    id   bigserial PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE ledgers (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE TABLE notes (
    id     bigserial PRIMARY KEY,
    org_id bigint REFERENCES organizations (id) ON DELETE SET NULL
);
-- Deleting an organization's ledgers deletes its notes too: beside rows of ledgers under the
-- deleted organization, the notes' rows look cascaded; alone, they are set NULL.
CREATE RULE ledgers_take_notes AS ON DELETE TO ledgers
    DO ALSO DELETE FROM notes WHERE org_id = OLD.org_id;
