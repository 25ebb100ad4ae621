CREATE TABLE organizations (id bigint PRIMARY KEY);
CREATE TABLE messages (id bigint PRIMARY KEY, org_id bigint REFERENCES organizations (id));
