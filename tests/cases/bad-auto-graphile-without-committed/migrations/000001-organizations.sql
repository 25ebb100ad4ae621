--! Previous: -
--! Hash: sha1:65b89d571b11d00c815e0a111010399ae57fceb6
--! Message: Create organizations

create type org_status as enum ('active', 'archived');
create table organizations (
    id bigint primary key,
    name text not null
);
