CREATE TABLE organizations (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);

-- No primary key; the FK only clears the column. Declared cascade: a false pass before.
CREATE TABLE notes (
    org_id bigint REFERENCES organizations (id) ON DELETE SET NULL,
    body text NOT NULL
);

-- No primary key, nothing but the FK and a nullable label: every synthesized row reads alike
-- apart from org_id, and so does the seed's row with NULLs. A real cascade.
CREATE TABLE tags (
    org_id bigint REFERENCES organizations (id) ON DELETE CASCADE,
    label text
);

-- A primary key that includes the FK column (identify falls back to the other columns).
CREATE TABLE memberships (
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_name text NOT NULL,
    PRIMARY KEY (org_id, user_name)
);
