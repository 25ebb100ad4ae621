CREATE TABLE "Team" (id bigint PRIMARY KEY, "ownerId" bigint NOT NULL);
CREATE TABLE teams_archive (id bigint PRIMARY KEY);
