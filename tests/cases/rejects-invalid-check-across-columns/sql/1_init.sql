CREATE TABLE features (id text PRIMARY KEY, key text NOT NULL UNIQUE);
-- "both set or both NULL": a row with feature_id set must set feature_key too.
CREATE TABLE plan_rate_cards (
  id bigint PRIMARY KEY,
  feature_key text,
  feature_id text REFERENCES features (id),
  CONSTRAINT plan_rate_cards_features_ratecard CHECK ((feature_key IS NULL) = (feature_id IS NULL))
);
CREATE TABLE launches (id bigint PRIMARY KEY);
CREATE TABLE items (id bigint PRIMARY KEY);
-- An exclusive arc: exactly one of launch_id and item_id is set.
CREATE TABLE log (
  id bigint PRIMARY KEY,
  launch_id bigint REFERENCES launches (id),
  item_id bigint REFERENCES items (id),
  CONSTRAINT log_check CHECK ((launch_id IS NULL) <> (item_id IS NULL))
);
-- The same arc, with a default in launch_id: a row with item_id set must write NULL there.
CREATE TABLE notes (
  id bigint PRIMARY KEY,
  launch_id bigint DEFAULT 1 REFERENCES launches (id),
  item_id bigint REFERENCES items (id),
  CONSTRAINT notes_check CHECK ((launch_id IS NULL) <> (item_id IS NULL))
);
INSERT INTO launches VALUES (1);
