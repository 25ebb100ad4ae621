DROP TABLE sessions, memberships, tags, events, organizations;
