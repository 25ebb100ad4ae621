--! Previous: sha1:cab1be0381101952ada8f2d808883b6cd3782a0e
--! Hash: sha1:a25ac03b7dfcd670612cd21520bcfdd7a6ae515e

-- Unqualified: .gmrc's pgSettings put `app` first on the search_path.
create table projects (
    id bigint primary key,
    org_id bigint not null references organizations (id) on delete cascade
);
create index projects_org_id_idx on projects (org_id);
