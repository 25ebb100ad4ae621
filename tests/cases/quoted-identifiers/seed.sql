INSERT INTO "user" ("id") VALUES (1);
INSERT INTO "group" ("select") VALUES (7);
INSERT INTO "order" ("id", "user", "group", "Tenant-Id", "from") VALUES
    (1, 1, 7, 't', 1),
    (2, 1, NULL, 't', 42);
