DROP TABLE domains;
DROP TABLE organizations;
