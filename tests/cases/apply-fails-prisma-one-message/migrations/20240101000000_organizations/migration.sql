-- CreateTable
CREATE TABLE "organizations" (
    "id" BIGINT NOT NULL,
    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);
