DROP TABLE messages;
DROP TABLE organizations;
