CREATE TABLE sites (id serial PRIMARY KEY, host text NOT NULL);
-- Partitioned, with its foreign key on the parent (each partition inherits a clone).
CREATE TABLE site_events (
  id bigint GENERATED ALWAYS AS IDENTITY,
  site_id int NOT NULL REFERENCES sites ON DELETE CASCADE,
  kind text NOT NULL,
  PRIMARY KEY (id, kind)
) PARTITION BY LIST (kind);
CREATE TABLE site_events_page PARTITION OF site_events FOR VALUES IN ('page');
CREATE TABLE site_events_other PARTITION OF site_events DEFAULT;
-- A foreign key to the partitioned table (PostgreSQL clones it for every partition), with no
-- ON DELETE.
CREATE TABLE event_tags (
  id serial PRIMARY KEY,
  event_id bigint NOT NULL,
  event_kind text NOT NULL,
  FOREIGN KEY (event_id, event_kind) REFERENCES site_events (id, kind)
);
