--! Previous: -
--! Hash: sha1:fef7d693cb2ce0d05149863cf1ca0a68069649db

create table organizations (id bigint primary key);
select :LABEL as label, missing_column from organizations;
