-- cascade, done right.
CREATE TABLE projects (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name   text NOT NULL
);

-- cascade, plus a "cleanup" trigger that wipes every tenant's messages.
CREATE TABLE messages (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    body   text NOT NULL
);

CREATE FUNCTION purge_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM messages WHERE org_id IS DISTINCT FROM OLD.id;  -- the bug: <> instead of =
    RETURN OLD;
END $$;

CREATE TRIGGER organizations_purge_messages AFTER DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION purge_messages();

-- restrict, done right (and a numeric CHECK range on a NOT NULL column).
CREATE TABLE invoices (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    amount numeric(10,2) NOT NULL CHECK (amount >= 0 AND amount < 100000)
);

-- declared restrict, but the FK cascades.
CREATE TABLE audit (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    action text NOT NULL
);

-- set null, done right.
CREATE TABLE members (
    id     bigserial PRIMARY KEY,
    org_id bigint REFERENCES organizations (id) ON DELETE SET NULL,
    email  text NOT NULL UNIQUE
);

-- set default, to the "unassigned" organization 0 of the seed.
CREATE TABLE tickets (
    id      bigserial PRIMARY KEY,
    org_id  bigint NOT NULL DEFAULT 0 REFERENCES organizations (id) ON DELETE SET DEFAULT,
    subject text NOT NULL
);

-- set null without any FK: a trigger does it. Behaviour holds; the structure does not.
CREATE TABLE labels (
    id     bigserial PRIMARY KEY,
    org_id bigint,
    name   text NOT NULL
);

CREATE FUNCTION detach_labels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE labels SET org_id = NULL WHERE org_id = OLD.id;
    RETURN OLD;
END $$;

CREATE TRIGGER organizations_detach_labels AFTER DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION detach_labels();

-- no action through a deferred FK: refused at SET CONSTRAINTS ALL IMMEDIATE / commit.
CREATE TABLE comments (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) DEFERRABLE INITIALLY DEFERRED,
    body   text NOT NULL
);

-- cascade into a range-partitioned table with no default partition: rows must land in a
-- partition (the synthesized created_at comes from the partition bounds).
CREATE TABLE events (
    id         bigserial,
    org_id     bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    kind       text NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

-- one-to-one: the key is the FK, so one row per organization at most.
CREATE TABLE org_settings (
    org_id bigint PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    theme  text NOT NULL DEFAULT 'light'
);
