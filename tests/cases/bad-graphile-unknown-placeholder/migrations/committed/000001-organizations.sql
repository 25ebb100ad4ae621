--! Previous: -
--! Hash: sha1:2cef8d0dd3c7958ce284f47d7f8784fe2eba9aee

create table organizations (
    id bigint primary key,
    name text not null
);
-- a comment naming :DATABASE_VISITOR is text, and so is ':DATABASE_VISITOR' in a string
comment on table organizations is 'granted to :DATABASE_VISITOR';
grant select on organizations to :DATABASE_OWNER, :DATABASE_VISITOR;
