INSERT INTO "Tenant" VALUES ('t1');
INSERT INTO "User" VALUES ('u1');
INSERT INTO "Post" VALUES ('p1', 't1', 'u1', NULL);
