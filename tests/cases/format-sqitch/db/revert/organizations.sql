DROP TABLE organizations CASCADE;
DROP TYPE org_status;
