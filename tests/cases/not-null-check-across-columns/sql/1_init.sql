CREATE TABLE launches (id bigint PRIMARY KEY);
CREATE TABLE items (id bigint PRIMARY KEY);
-- Exactly one of launch_id and item_id: launch_id is NULL whenever item_id is set.
CREATE TABLE log (
  id bigint PRIMARY KEY,
  launch_id bigint REFERENCES launches (id),
  item_id bigint REFERENCES items (id),
  CONSTRAINT log_check CHECK ((launch_id IS NULL) <> (item_id IS NULL))
);
-- A CHECK across columns that refuses NULL in launch_id in every row: not_null holds.
CREATE TABLE runs (
  id bigint PRIMARY KEY,
  launch_id bigint REFERENCES launches (id),
  item_id bigint REFERENCES items (id),
  CONSTRAINT runs_check CHECK (launch_id IS NOT NULL AND (item_id IS NULL OR item_id <> launch_id))
);
