-- Work in progress: graphile-migrate applies it only in watch mode.
alter table projects drop constraint projects_org_id_fkey;
