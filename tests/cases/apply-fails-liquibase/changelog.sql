--liquibase formatted sql

--changeset dev:1
CREATE TABLE organizations (id bigint PRIMARY KEY);
/* liquibase rollback
DROP TABLE organizations;
*/
--ignoreLines:start
SELECT 1/0;
--ignoreLines:end

--changeset dev:2 endDelimiter:/
CREATE TABLE projects (id bigint PRIMARY KEY)
/
    CREATE TABLE tasks (id bigint PRIMARY KEY,, name text)
/
