//! The files each layout writes for one migration, as a value: its names, its contents and the
//! entry the file listing the chain gains for it. Each format makes its own in its module
//! ([`super::super::tool::Tool::new_files`]); this is what they share.

use std::path::{Path, PathBuf};

use super::NewMigration;

/// What a down migration holds: the repairs are meant to stay.
pub(crate) const DOWN: &str = "-- Written by `pg-invariants fix`: its repairs are meant to stay, so there is nothing to undo.\n";

/// How discovery reads back a golang-migrate or Prisma file, whatever it holds: these tools never
/// wrap a file in a transaction but send it as one message, which PostgreSQL runs atomically (one
/// implicit transaction) or, a single statement refused in a transaction block, outside one.
pub(crate) const NEVER_WRAPPED: bool = false;

/// One migration's files: `main` is the file discovery reads.
pub(crate) struct Planned {
    /// Directories to create first unless they exist (Prisma's and diesel's migration
    /// directories, sqitch's `revert/` and `verify/`).
    pub(crate) dirs: Vec<PathBuf>,
    pub(crate) main: PathBuf,
    pub(crate) files: Vec<(PathBuf, String)>,
    pub(crate) transaction: bool,
    /// The version discovery reads, when `main` alone does not name the migration (several
    /// Liquibase changesets share a file).
    pub(crate) key: Option<String>,
    /// What the file listing the chain gains for it: a sqitch plan line, a Liquibase changeset
    /// (a `.sql` master) or the file a master's new `include` names.
    pub(crate) entry: Option<String>,
}

/// One file `name` in `dir` holding `text`, the migration's transaction mode kept.
pub(crate) fn flat(dir: &Path, name: &str, text: String, migration: &NewMigration) -> Planned {
    Planned {
        dirs: Vec::new(),
        main: dir.join(name),
        files: vec![(dir.join(name), text)],
        transaction: migration.transaction,
        key: None,
        entry: None,
    }
}

/// A directory `name` in `dir` holding the SQL as `migration.sql` (Prisma, drizzle-kit v1).
pub(crate) fn in_folder(dir: &Path, name: &str, sql: &str, transaction: bool) -> Planned {
    let folder = dir.join(name);
    Planned {
        main: folder.join("migration.sql"),
        files: vec![(folder.join("migration.sql"), sql.to_string())],
        dirs: vec![folder],
        transaction,
        key: None,
        entry: None,
    }
}

pub(crate) fn is_sql(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{outside, tx, written};
    use crate::migrate::format::fixture::Fixture;
    use crate::migrate::format::{Format, atlas, detect, discover, graphile_migrate};
    use rstest::rstest;
    use std::fs;

    #[test]
    fn sqitch_gains_scripts_and_plan_lines_as_sqitch_add_writes_them() {
        let plan = "%project=p\n\na 2024-01-01T00:00:00Z M <m@x>";
        let fixture = Fixture::new(&[("sqitch.plan", plan), ("deploy/a.sql", "SELECT 1;")]);
        let new = [
            tx("SELECT 1;\n"),
            outside("CREATE INDEX CONCURRENTLY i ON t (a);\n"),
        ];
        assert_eq!(
            written(&fixture, Format::Auto, &new),
            [
                "deploy/20240305060708_fix_1.sql",
                "revert/20240305060708_fix_1.sql",
                "verify/20240305060708_fix_1.sql",
                "deploy/20240305060709_fix_2.sql",
                "revert/20240305060709_fix_2.sql",
                "verify/20240305060709_fix_2.sql",
                "sqitch.plan"
            ]
        );
        let read = |name: &str| fs::read_to_string(fixture.path().join(name)).unwrap();
        assert_eq!(
            read("sqitch.plan"),
            format!(
                "{plan}\n20240305060708_fix_1 2024-03-05T06:07:08Z pg-invariants <pg-invariants@localhost> # Written by pg-invariants fix\n\
                 20240305060709_fix_2 2024-03-05T06:07:09Z pg-invariants <pg-invariants@localhost> # Written by pg-invariants fix\n"
            )
        );
        assert_eq!(
            read("deploy/20240305060708_fix_1.sql"),
            "-- Deploy 20240305060708_fix_1 to pg\n\nBEGIN;\n\nSELECT 1;\n\nCOMMIT;\n"
        );
        assert!(!read("deploy/20240305060709_fix_2.sql").contains("BEGIN;"));
    }

    #[test]
    fn each_format_marks_a_migration_outside_a_transaction_its_own_way() {
        let sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n";
        let sqlx = Fixture::new(&[("1_a.sql", "SELECT 1;")]);
        written(&sqlx, Format::Sqlx, &[outside(sql)]);
        let text = fs::read_to_string(sqlx.path().join("2_fix.sql")).unwrap();
        assert_eq!(text, format!("-- no-transaction\n{sql}"));

        let dbmate = Fixture::new(&[("1_a.sql", "-- migrate:up\nSELECT 1;\n")]);
        written(&dbmate, Format::Dbmate, &[outside(sql)]);
        let text = fs::read_to_string(dbmate.path().join("2_fix.sql")).unwrap();
        assert!(
            text.starts_with(&format!(
                "-- migrate:up transaction:false\n{sql}\n-- migrate:down\n"
            )),
            "{text}"
        );

        let diesel = Fixture::new(&[("2024-01-01-000000_a/up.sql", "SELECT 1;")]);
        written(&diesel, Format::Diesel, &[outside(sql)]);
        let metadata = diesel.path().join("2024-03-05-060708_fix/metadata.toml");
        assert_eq!(
            fs::read_to_string(metadata).unwrap(),
            "run_in_transaction = false\n"
        );
    }

    /// A graphile-migrate chain of one committed migration.
    fn graphile_chain() -> Vec<(String, String)> {
        let text = graphile_migrate::committed_text("SELECT 1;", None);
        vec![
            ("committed/000001.sql".into(), text),
            ("current.sql".into(), "-- wip\n".into()),
        ]
    }

    #[rstest]
    #[case::goose(Format::Goose, vec![("00001_a.sql".into(), "-- +goose Up\nSELECT 1;\n".into())], &["00002_fix_1.sql", "00003_fix_2.sql"])]
    #[case::refinery(Format::Refinery, vec![("V1__a.sql".into(), "SELECT 1;".into()), ("sub/U7__b.sql".into(), "SELECT 1;".into())], &["V8__fix_1.sql", "V9__fix_2.sql"])]
    #[case::atlas(Format::Atlas, vec![("20240101000000_a.sql".into(), "SELECT 1;\n".into())], &["20240305060708_fix_1.sql", "20240305060709_fix_2.sql", "atlas.sum"])]
    #[case::graphile(Format::GraphileMigrate, graphile_chain(), &["committed/000002-fix_1.sql", "committed/000003-fix_2.sql"])]
    #[case::graphile_first(Format::GraphileMigrate, vec![("current.sql".into(), String::new())], &["committed/000001-fix_1.sql", "committed/000002-fix_2.sql"])]
    fn layouts_with_their_own_no_transaction_marker(
        #[case] format: Format,
        #[case] files: Vec<(String, String)>,
        #[case] expected: &[&str],
    ) {
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let fixture = Fixture::new(&refs);
        if format == Format::Atlas {
            fs::write(
                fixture.path().join(atlas::SUM),
                atlas::current_sum(fixture.path()).unwrap(),
            )
            .unwrap();
        }
        let new = [
            tx("DO $$ BEGIN PERFORM 1; END $$;\nSELECT 1;\n"),
            outside("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n"),
        ];
        assert_eq!(written(&fixture, format, &new), expected);
        assert_eq!(
            detect(fixture.path()).unwrap(),
            format,
            "auto still reads it"
        );
        let chain = discover(format, fixture.path()).expect("rediscovered");
        let modes: Vec<bool> = chain.iter().rev().take(2).map(|m| m.transaction).collect();
        assert_eq!(modes, [false, true]);
        let last = chain.last().unwrap();
        assert_eq!(last.statements().len(), 1, "{}", last.sql());
    }

    #[test]
    fn goose_and_node_pg_migrate_write_their_sections() {
        let goose = Fixture::new(&[("1_a.sql", "-- +goose Up\nSELECT 1;\n")]);
        written(
            &goose,
            Format::Goose,
            &[outside("CREATE INDEX CONCURRENTLY i ON t (a);\n")],
        );
        let text = fs::read_to_string(goose.path().join("2_fix.sql")).unwrap();
        assert!(
            text.starts_with("-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- +goose StatementEnd\n"),
            "{text}"
        );
        assert!(text.contains("-- +goose Down\n"), "{text}");

        let node = Fixture::new(&[("1700000000000_a.sql", "SELECT 1;\n")]);
        written(&node, Format::NodePgMigrate, &[tx("SELECT 2;")]);
        let text = fs::read_to_string(node.path().join("1709618828000_fix.sql")).unwrap();
        assert!(
            text.starts_with("-- Up Migration\nSELECT 2;\n-- Down Migration\n"),
            "{text}"
        );
    }
}
