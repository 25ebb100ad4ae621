CREATE TABLE "user" (
    "id" bigint PRIMARY KEY
);
CREATE TABLE "group" (
    "select" bigint PRIMARY KEY
);
CREATE TABLE "order" (
    "id" bigint PRIMARY KEY,
    "user" bigint NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "group" bigint REFERENCES "group" ("select"),
    "Tenant-Id" text NOT NULL,
    "from" bigint
);
CREATE INDEX ON "order" ("user");
CREATE INDEX ON "order" ("Tenant-Id");
