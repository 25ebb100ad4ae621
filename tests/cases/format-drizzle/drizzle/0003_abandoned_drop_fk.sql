-- Not in the journal: drizzle never applies it.
ALTER TABLE "projects" DROP CONSTRAINT "projects_org_id_organizations_id_fk";
--> statement-breakpoint
DROP INDEX "projects_org_id_idx";
