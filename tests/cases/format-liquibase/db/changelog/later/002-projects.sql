--liquibase formatted sql

--changeset marge:projects-1
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id)
);
/* liquibase rollback
DROP TABLE projects;
*/

--changeset marge:projects-oracle dbms:oracle
DROP TABLE projects;

--changeset marge:projects-2 runInTransaction:false
CREATE INDEX CONCURRENTLY projects_org_id_idx ON projects (org_id);
--rollback DROP INDEX CONCURRENTLY projects_org_id_idx;
