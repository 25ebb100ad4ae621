CREATE TABLE organizations (
    id bigint PRIMARY KEY
);

CREATE TABLE attachments (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id),
    created_at timestamptz
);

INSERT INTO organizations VALUES (1);
INSERT INTO attachments (id, org_id) VALUES (1, 1), (2, 1);

-- Fills the column in batches, committing after each one, as long backfills do.
CREATE PROCEDURE fill_attachment_created_at()
LANGUAGE plpgsql
AS $$
BEGIN
    LOOP
        UPDATE attachments SET created_at = now()
        WHERE id IN (SELECT id FROM attachments WHERE created_at IS NULL LIMIT 1);
        EXIT WHEN NOT FOUND;
        COMMIT;
    END LOOP;
END
$$;
