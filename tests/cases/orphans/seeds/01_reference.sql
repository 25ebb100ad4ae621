INSERT INTO organizations (id) VALUES (1), (2);
INSERT INTO users (id) VALUES (1), (2);
