CREATE TABLE features (id text PRIMARY KEY, key text NOT NULL UNIQUE);
-- No foreign key on feature_id.
CREATE TABLE plan_rate_cards (
  id bigint PRIMARY KEY,
  feature_key text,
  feature_id text,
  CONSTRAINT plan_rate_cards_features_ratecard CHECK ((feature_key IS NULL) = (feature_id IS NULL))
);
CREATE TABLE launches (id bigint PRIMARY KEY);
CREATE TABLE items (id bigint PRIMARY KEY);
-- An exclusive arc whose item_id has no foreign key.
CREATE TABLE log (
  id bigint PRIMARY KEY,
  launch_id bigint DEFAULT 1 REFERENCES launches (id),
  item_id bigint,
  CONSTRAINT log_check CHECK ((launch_id IS NULL) <> (item_id IS NULL))
);
INSERT INTO launches VALUES (1);
-- A CHECK that reads the referenced table: an absent value is refused by it (23514) before the
-- foreign key is reached, so rejects_invalid could not test the foreign key.
CREATE FUNCTION known_item(bigint) RETURNS boolean LANGUAGE sql STABLE
  AS 'SELECT EXISTS (SELECT 1 FROM items WHERE id = $1)';
CREATE TABLE marks (
  id bigint PRIMARY KEY,
  item_id bigint REFERENCES items (id),
  CONSTRAINT marks_known CHECK (item_id IS NULL OR known_item(item_id))
);
