CREATE TABLE "projects" (
	"id" bigint PRIMARY KEY NOT NULL,
	"org_id" bigint REFERENCES "organizations"("id") ON DELETE set null
)
--> statement-breakpoint
CREATE INDEX "projects_org_id_idx" ON "projects" USING btree ("org_id")
