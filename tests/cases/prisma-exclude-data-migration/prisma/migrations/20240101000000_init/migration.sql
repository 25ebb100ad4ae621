CREATE TABLE "organizations" ("id" BIGINT NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "organizations_pkey" PRIMARY KEY ("id"));
