-- CreateTable
CREATE TABLE "audit" ("id" BIGINT);

-- CreateIndex
CREATE INDEX CONCURRENTLY "audit_id_idx" ON "audit" ("id");
