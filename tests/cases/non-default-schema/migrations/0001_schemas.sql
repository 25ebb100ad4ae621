CREATE SCHEMA app;
CREATE SCHEMA billing;

-- The legacy, pre-multi-schema organizations table, still in public.
CREATE TABLE public.organizations (
    id integer PRIMARY KEY
);
CREATE TABLE public.legacy (
    id integer PRIMARY KEY,
    org_id integer NOT NULL REFERENCES public.organizations (id)
);

CREATE TABLE app.organizations (
    id bigint PRIMARY KEY,
    legacy_id integer UNIQUE
);
CREATE TABLE app.projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES app.organizations (id) ON DELETE CASCADE,
    public_org_id integer REFERENCES public.organizations (id)
);
CREATE INDEX projects_org_id_idx ON app.projects (org_id);

CREATE TABLE billing.invoices (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES app.organizations (id),
    customer_org_id integer REFERENCES public.organizations (id),
    amount numeric(12, 2) NOT NULL
);
