CREATE TABLE organizations (
    id   bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE
);

-- Under organizations: three right, one wrong (declared cascade, the FK sets NULL: its rows stay).
CREATE TABLE projects (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name   text NOT NULL
);
CREATE TABLE tasks (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title  text NOT NULL
);
CREATE TABLE tags (
    id     bigserial PRIMARY KEY,
    org_id bigint REFERENCES organizations (id) ON DELETE SET NULL,
    label  text NOT NULL
);
CREATE TABLE members (
    id     bigserial PRIMARY KEY,
    org_id bigint REFERENCES organizations (id) ON DELETE SET NULL,
    email  text NOT NULL UNIQUE
);
-- Two columns of one table under organizations: their rows would share a table.
CREATE TABLE transfers (
    id       bigserial PRIMARY KEY,
    from_org bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    to_org   bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);

-- Under workspaces: files is declared cascade, but its FK is NO ACTION: every DELETE of a
-- workspace with files is refused, and its siblings must still be judged on their own.
CREATE TABLE workspaces (
    id   bigserial PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE docs (
    id           bigserial PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE TABLE files (
    id           bigserial PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id)
);
CREATE TABLE sheets (
    id           bigserial PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE
);

-- Under teams: cards is declared cascade, but its FK sets NULL. A trigger on boards deletes
-- the cards of the team whose boards are deleted: beside rows of boards, cards would look as
-- if they cascaded. Alone (no board of the team), they are set NULL: cards FAILED.
CREATE TABLE teams (
    id   bigserial PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE boards (
    id      bigserial PRIMARY KEY,
    team_id bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE TABLE cards (
    id      bigserial PRIMARY KEY,
    team_id bigint REFERENCES teams (id) ON DELETE SET NULL,
    body    text NOT NULL
);
CREATE FUNCTION boards_take_cards() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cards WHERE team_id = OLD.team_id;
    RETURN OLD;
END $$;
CREATE TRIGGER boards_take_cards BEFORE DELETE ON boards
    FOR EACH ROW EXECUTE FUNCTION boards_take_cards();

-- One table, several rejects_invalid / not_null checks sharing a transaction: plan_id has no
-- FK (rejects_invalid FAILED), nickname may be NULL (not_null FAILED), the others hold.
CREATE TABLE plans (
    id   bigserial PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE accounts (
    id       bigserial PRIMARY KEY,
    org_id   bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    plan_id  bigint NOT NULL,
    owner_id bigint NOT NULL REFERENCES members (id),
    email    text NOT NULL,
    nickname text
);
-- One row per organization: a second row under a referenced row is refused (UNIQUE), which
-- ends a message of rows built together; the rows after it are sent again.
CREATE TABLE org_settings (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL UNIQUE REFERENCES organizations (id) ON DELETE CASCADE,
    theme  text NOT NULL
);
-- A value only a repair finds: the first INSERT of a row is refused (CHECK), mid-message.
CREATE TABLE badges (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    level  text NOT NULL CHECK (level IN ('gold', 'silver')),
    code   integer NOT NULL CHECK (code > 1000)
);
-- Under organizations, in the order the batch takes its members: a table whose rows cannot be
-- built (no candidate matches the pattern, and no [sample] says one), then two tables whose rows
-- read alike, one whose FK sets NULL although cascade is declared, one that cascades. A member
-- left out of the shared DELETE must not shift the rows the others are judged on.
CREATE TABLE aa_codes (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    code   text NOT NULL CHECK (code ~ '^[A-Z]{3}-[0-9]{4}$')
);
CREATE TABLE ab_pairs (
    id     bigserial PRIMARY KEY,
    org_id bigint REFERENCES organizations (id) ON DELETE SET NULL
);
CREATE TABLE ac_pairs (
    id     bigserial PRIMARY KEY,
    org_id bigint REFERENCES organizations (id) ON DELETE CASCADE
);
