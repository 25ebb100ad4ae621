-- CreateTable
CREATE TABLE "Tenant" (
    "id" TEXT NOT NULL,
    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "authorId" TEXT,
    "editorId" TEXT,
    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- Declared cascade: the wrong ON DELETE, on an FK that is deferred and cascades updates.
ALTER TABLE "Post" ADD CONSTRAINT "Post_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;

-- Declared as it is: right.
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") MATCH FULL ON DELETE SET NULL ON UPDATE CASCADE;

-- Declared to reference User: it references Tenant, MATCH FULL and DEFERRABLE (initially immediate).
ALTER TABLE "Post" ADD CONSTRAINT "Post_editorId_fkey" FOREIGN KEY ("editorId") REFERENCES "Tenant"("id") MATCH FULL ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE;
