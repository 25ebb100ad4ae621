-- A second blocker, right under organizations: the audit trail refuses the DELETE outright.
CREATE TABLE org_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id bigint NOT NULL REFERENCES organizations ON DELETE RESTRICT,
  note text NOT NULL
);
