package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

func init() {
	goose.AddMigrationContext(upBackfillNames, downBackfillNames)
}

func upBackfillNames(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "ALTER TABLE organizations ADD COLUMN name text")
	return err
}

func downBackfillNames(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "ALTER TABLE organizations DROP COLUMN name")
	return err
}
