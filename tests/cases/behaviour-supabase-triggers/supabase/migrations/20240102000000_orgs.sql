CREATE TYPE public.task_state AS ENUM ('backlog', 'todo', 'in_progress', 'done', 'cancelled');

CREATE TABLE public.orgs (
    id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name     text NOT NULL,
    owner_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE
);

CREATE TABLE public.projects (
    id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid NOT NULL REFERENCES public.orgs (id) ON DELETE CASCADE,
    name   text NOT NULL
);
CREATE INDEX projects_org_id_idx ON public.projects (org_id);

CREATE TABLE public.tasks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES public.orgs (id) ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES public.projects (id) ON DELETE CASCADE,
    state      public.task_state NOT NULL DEFAULT 'backlog',
    title      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The tenant of a task is its project's: whatever org_id is written, the trigger copies it.
CREATE FUNCTION public.tasks_set_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.org_id INTO NEW.org_id FROM public.projects p WHERE p.id = NEW.project_id;
    RETURN NEW;
END $$;

CREATE TRIGGER tasks_set_org BEFORE INSERT ON public.tasks
    FOR EACH ROW EXECUTE FUNCTION public.tasks_set_org();

CREATE FUNCTION public.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER tasks_touch BEFORE UPDATE ON public.tasks
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();
