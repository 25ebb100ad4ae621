CREATE TABLE organizations (
    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
);

-- documents: the usual guard, a BEFORE UPDATE trigger that raises when org_id changes
-- (and stamps updated_at on every other UPDATE).
CREATE TABLE documents (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION documents_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        RAISE EXCEPTION 'documents.org_id is immutable' USING ERRCODE = 'check_violation';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER documents_guard BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_guard();

-- notes: no guard at all.
CREATE TABLE notes (
    id     bigserial PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id),
    body   text NOT NULL
);

-- files: a guard that refuses every UPDATE (append-only), not only changes of org_id.
CREATE TABLE files (
    id     bigserial PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id),
    path   text NOT NULL
);

CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;

CREATE TRIGGER files_append_only BEFORE UPDATE ON files
    FOR EACH ROW EXECUTE FUNCTION refuse_update();

-- tags: a trigger that silently puts org_id back: the UPDATE "works" and changes nothing.
-- label: immutable through a column trigger (BEFORE UPDATE OF label), a column with no FK.
CREATE TABLE tags (
    id     bigserial PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id),
    label  varchar(40) NOT NULL,
    color  text
);

CREATE FUNCTION tags_keep_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.org_id := OLD.org_id;
    RETURN NEW;
END $$;

CREATE TRIGGER tags_keep_org BEFORE UPDATE ON tags
    FOR EACH ROW EXECUTE FUNCTION tags_keep_org();

CREATE FUNCTION tags_label_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.label IS DISTINCT FROM OLD.label THEN
        RAISE EXCEPTION 'tags.label is immutable';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER tags_label_guard BEFORE UPDATE OF label ON tags
    FOR EACH ROW EXECUTE FUNCTION tags_label_guard();
