-- no-transaction
CREATE TABLE audit (id bigint PRIMARY KEY);
INSERT INTO audit (id) VALUES (1);
  INSERT INTO audit (id) VALUES (1);
