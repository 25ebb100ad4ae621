-- Deploy shop:projects to pg
BEGIN;

CREATE TABLE projects (id bigint PRIMARY KEY);
  INSERT INTO projects (id, org_id) VALUES (1, 1);

COMMIT;
