-- CreateTable
CREATE TABLE "organizations" (
    "id" BIGINT NOT NULL,
    "legacy_id" BIGINT NOT NULL,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" BIGINT NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "organizations_legacy_id_key" ON "organizations"("legacy_id");
