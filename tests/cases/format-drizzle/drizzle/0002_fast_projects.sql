CREATE TABLE "projects" (
	"id" bigint PRIMARY KEY NOT NULL,
	"org_id" bigint NOT NULL
)
--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;
