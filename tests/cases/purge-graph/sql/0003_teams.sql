CREATE TABLE teams (id serial PRIMARY KEY, name text NOT NULL);
-- Leaving a team is not leaving the company: deleting a team detaches its members.
CREATE TABLE team_members (
  id serial PRIMARY KEY,
  team_id int REFERENCES teams ON DELETE SET NULL,
  name text NOT NULL
);
-- A member's badges must not vanish: NO ACTION, never asked, since members stay.
CREATE TABLE badges (
  id serial PRIMARY KEY,
  member_id int NOT NULL REFERENCES team_members,
  label text NOT NULL
);
