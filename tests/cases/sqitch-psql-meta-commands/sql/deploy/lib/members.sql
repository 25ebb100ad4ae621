CREATE TABLE members (
    id bigint PRIMARY KEY,
    team_id :id_type NOT NULL REFERENCES :"table_name" (id) ON DELETE CASCADE
);
