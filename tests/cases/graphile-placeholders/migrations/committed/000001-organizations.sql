--! Previous: -
--! Hash: sha1:cab1be0381101952ada8f2d808883b6cd3782a0e

create table :APP_SCHEMA.organizations (
    id bigint primary key,
    name text not null
);
revoke all on :APP_SCHEMA.organizations from public;
grant select, insert on :APP_SCHEMA.organizations to :DATABASE_OWNER;
