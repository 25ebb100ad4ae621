CREATE TABLE projects (id bigint PRIMARY KEY);
CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint NOT NULL);
-- A task whose project is gone: what a key that checks nothing lets in.
INSERT INTO tasks VALUES (1, 42);
-- 18: a key that checks nothing; before 18 no key at all, what NOT ENFORCED amounts to.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 180000 THEN
        EXECUTE 'ALTER TABLE tasks ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id) NOT ENFORCED';
    END IF;
END $$;
