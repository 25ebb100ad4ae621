CREATE TABLE organizations (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE users (
    id uuid PRIMARY KEY
);

-- The inviter is whoever makes the request: overwritten, NULL without a request.
CREATE TABLE invitations (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id             bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    invited_by_user_id uuid NOT NULL REFERENCES users (id)
);
CREATE FUNCTION set_inviter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.org_id IS NULL THEN
    RAISE EXCEPTION 'org_id is required';
  END IF;
  NEW.invited_by_user_id := auth.uid();
  RETURN NEW;
END
$$;
CREATE TRIGGER invitations_set_inviter BEFORE INSERT ON invitations
    FOR EACH ROW EXECUTE FUNCTION set_inviter();

-- The tenant comes from an application setting, read with current_setting.
CREATE TABLE projects (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE FUNCTION set_project_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.org_id = nullif(current_setting('app.current_org', true), '')::bigint;
  RETURN NEW;
END
$$;
CREATE TRIGGER projects_set_org BEFORE INSERT ON projects
    FOR EACH ROW EXECUTE FUNCTION set_project_org();

-- Correct: the request only fills a missing author, so a written one stays.
CREATE TABLE notes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    author_id uuid NOT NULL REFERENCES users (id)
);
CREATE FUNCTION default_author() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.author_id := coalesce(NEW.author_id, auth.uid());
  RETURN NEW;
END
$$;
CREATE TRIGGER notes_default_author BEFORE INSERT ON notes
    FOR EACH ROW EXECUTE FUNCTION default_author();
