-- no-transaction
CREATE TABLE audit (id bigint);

INSERT INTO audit (id, nope)
  VALUES (1, 2);
