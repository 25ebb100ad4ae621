--! Previous: sha1:cab1be0381101952ada8f2d808883b6cd3782a0e
--! Hash: sha1:e86f516e5bdc134efc8180b8f2cd260331af8c3c

create table :APP_SCHEMA.projects (
    id bigint primary key,
    org_id bigint not null references :APP_SCHEMA.organizations (id) on delete cascade
);
create index projects_org_id_idx on :APP_SCHEMA.projects (org_id);
