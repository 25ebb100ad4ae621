--! Previous: -
--! Hash: sha1:f1733ef6919afdebc7952c79d5d220edb0b4ee3b

create table organizations (id bigint primary key);
grant select on organizations to :PG_INVARIANTS_CASE_VISITOR;
