CREATE TABLE plans (id integer PRIMARY KEY, name text NOT NULL);
-- No foreign key, and text has no equality with integer: whether a value is absent from
-- plans.id is decided on texts, and the INSERT of an absent code goes through.
CREATE TABLE accounts (id bigint PRIMARY KEY, plan_code text NOT NULL);
-- numeric keys: equal values may print differently (5.0 and 5.00); absence is decided by the
-- type's equality, as the foreign key decides it.
CREATE TABLE rates (value numeric PRIMARY KEY);
CREATE TABLE prices (id bigint PRIMARY KEY, rate numeric NOT NULL REFERENCES rates (value));
INSERT INTO rates VALUES (5.0), (7.25);
