-- Listed last in the journal: in file name order it would run before projects exists.
CREATE INDEX "projects_org_id_idx" ON "projects" USING btree ("org_id");
