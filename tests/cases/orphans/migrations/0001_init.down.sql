DROP TABLE events;
DROP TABLE users;
DROP TABLE organizations;
