CREATE TABLE workspaces (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE folders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  parent_id uuid REFERENCES folders ON DELETE CASCADE,
  name text NOT NULL
);
CREATE TABLE documents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  folder_id uuid NOT NULL REFERENCES folders ON DELETE CASCADE,
  body text
);
-- A cycle: a workspace made from another's folder is deleted with it.
ALTER TABLE workspaces ADD COLUMN template_folder_id uuid REFERENCES folders ON DELETE CASCADE;
