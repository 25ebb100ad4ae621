-- Deploy meta:teams to pg
\set table_name teams
\set ON_ERROR_STOP on
BEGIN;
-- :id_type comes from sqitch.conf's [engine "pg.variables"].
CREATE TABLE :"table_name" (id :id_type PRIMARY KEY);
\ir lib/members.sql
\if :{?never_set}
CREATE TABLE wrong_branch (id int);
\elif false
CREATE TABLE wrong_branch (id int);
\else
ALTER TABLE :"table_name" ADD COLUMN archived boolean NOT NULL DEFAULT false;
\endif
-- A backquoted command runs in the directory holding sqitch.conf.
\set extra `cat extra-column.txt`
ALTER TABLE :"table_name" ADD COLUMN :"extra" text;
COMMIT;
