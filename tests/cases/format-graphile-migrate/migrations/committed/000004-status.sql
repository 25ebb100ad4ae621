--! Previous: sha1:0eb42f12f1a6ba3f31c27684a774603b1dd2aec4
--! Hash: sha1:74fccebbe7ba34f95a52a0c9e8d5ec37b0af208d

alter table organizations add column status org_status not null default 'archived';
