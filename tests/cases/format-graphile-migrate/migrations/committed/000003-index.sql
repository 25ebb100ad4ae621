--! Previous: sha1:736f034b1026b79839d53e1979eb9eb49a412641
--! Hash: sha1:0eb42f12f1a6ba3f31c27684a774603b1dd2aec4

--! no-transaction
-- In a transaction (graphile-migrate's default) this statement fails.
create index concurrently projects_org_id_idx on projects (org_id);
