CREATE TABLE organizations (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE projects (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);

-- Every write to a child locks both parents, in an order that depends on the table: two checks
-- that hold ROW EXCLUSIVE on a parent (their own parent rows) and ask for SHARE ROW EXCLUSIVE
-- deadlock.
CREATE FUNCTION lock_parents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'tasks' THEN
    LOCK TABLE organizations IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE projects IN SHARE ROW EXCLUSIVE MODE;
  ELSE
    LOCK TABLE projects IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE organizations IN SHARE ROW EXCLUSIVE MODE;
  END IF;
  RETURN NEW;
END
$$;

CREATE TABLE tasks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    note       text
);
CREATE TRIGGER tasks_lock BEFORE INSERT OR UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION lock_parents();

CREATE TABLE comments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    project_id bigint REFERENCES projects (id) ON DELETE SET NULL,
    body       text
);
CREATE TRIGGER comments_lock BEFORE INSERT OR UPDATE ON comments
    FOR EACH ROW EXECUTE FUNCTION lock_parents();
