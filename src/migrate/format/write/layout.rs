//! The files each layout writes for one migration: its names, its markers for the transaction
//! mode, its down scripts, and the entry the file listing the chain gains for it.

use std::path::{Path, PathBuf};

use super::NewMigration;
use super::versions::iso_timestamp;
use crate::migrate::format::{Format, drizzle, graphile_migrate, liquibase, sqitch};
use crate::migrate::migration::Migration;

/// What a down migration holds: the repairs are meant to stay.
const DOWN: &str = "-- Written by `pg-invariants fix`: its repairs are meant to stay, so there is nothing to undo.\n";

/// A graphile-migrate committed migration, linked to the one before it by `last_hash`; it
/// creates `committed/` when graphile-migrate has not yet.
pub(super) fn graphile(
    dir: &Path,
    last_hash: &mut Option<String>,
    version: &str,
    description: &str,
    migration: &NewMigration,
) -> Planned {
    let committed = dir.join(graphile_migrate::COMMITTED);
    let body = match migration.transaction {
        true => migration.sql.clone(),
        false => format!("--! no-transaction\n{}", migration.sql.trim()),
    };
    let text = graphile_migrate::committed_text(&body, last_hash.as_deref());
    *last_hash = Some(graphile_migrate::hash(&body, last_hash.as_deref()));
    let main = committed.join(format!("{version}-{description}.sql"));
    Planned {
        dirs: (!committed.is_dir())
            .then_some(committed)
            .into_iter()
            .collect(),
        files: vec![(main.clone(), text)],
        main,
        transaction: migration.transaction,
        key: None,
        entry: None,
    }
}

/// How discovery reads back a golang-migrate or Prisma file, whatever it holds: these tools never
/// wrap a file in a transaction but send it as one message, which PostgreSQL runs atomically (one
/// implicit transaction) or, a single statement refused in a transaction block, outside one.
const NEVER_WRAPPED: bool = false;

/// One migration's files: `main` is the file discovery reads.
pub(super) struct Planned {
    /// Directories to create first unless they exist (Prisma's and diesel's migration
    /// directories, sqitch's `revert/` and `verify/`).
    pub(super) dirs: Vec<PathBuf>,
    pub(super) main: PathBuf,
    pub(super) files: Vec<(PathBuf, String)>,
    pub(super) transaction: bool,
    /// The version discovery reads, when `main` alone does not name the migration (several
    /// Liquibase changesets share a file).
    pub(super) key: Option<String>,
    /// What the file listing the chain gains for it: a sqitch plan line, a Liquibase changeset
    /// (a `.sql` master) or the file a master's new `include` names.
    pub(super) entry: Option<String>,
}

/// The file names and contents of one migration in `format`.
pub(super) fn layout(
    format: Format,
    dir: &Path,
    existing: &[Migration],
    version: &str,
    description: &str,
    migration: &NewMigration,
) -> Planned {
    let sql = migration.sql.as_str();
    let outside = !migration.transaction;
    let flat = |name: String, text: String| Planned {
        dirs: Vec::new(),
        main: dir.join(&name),
        files: vec![(dir.join(name), text)],
        transaction: migration.transaction,
        key: None,
        entry: None,
    };
    let name = format!("{version}_{description}");
    match format {
        Format::Diesel => {
            let folder = dir.join(&name);
            let mut files = vec![
                (folder.join("up.sql"), sql.to_string()),
                (folder.join("down.sql"), DOWN.to_string()),
            ];
            if outside {
                files.push((
                    folder.join("metadata.toml"),
                    "run_in_transaction = false\n".to_string(),
                ));
            }
            Planned {
                main: folder.join("up.sql"),
                files,
                dirs: vec![folder],
                transaction: migration.transaction,
                key: None,
                entry: None,
            }
        }
        Format::Sqlx => {
            let text = if outside {
                format!("-- no-transaction\n{sql}")
            } else {
                sql.to_string()
            };
            let reversible = existing
                .iter()
                .any(|m| m.path.to_string_lossy().ends_with(".up.sql"));
            if !reversible {
                return flat(format!("{name}.sql"), text);
            }
            Planned {
                files: vec![
                    (dir.join(format!("{name}.up.sql")), text),
                    (dir.join(format!("{name}.down.sql")), DOWN.to_string()),
                ],
                ..flat(format!("{name}.up.sql"), String::new())
            }
        }
        Format::GolangMigrate => Planned {
            files: vec![
                (dir.join(format!("{name}.up.sql")), sql.to_string()),
                (dir.join(format!("{name}.down.sql")), DOWN.to_string()),
            ],
            transaction: NEVER_WRAPPED,
            ..flat(format!("{name}.up.sql"), String::new())
        },
        Format::Sqitch => sqitch_change(dir, version, &name, migration),
        Format::Liquibase => liquibase_changeset(dir, &name, migration),
        Format::Dbmate => {
            let options = if outside { " transaction:false" } else { "" };
            flat(
                format!("{name}.sql"),
                format!("-- migrate:up{options}\n{sql}\n-- migrate:down\n{DOWN}"),
            )
        }
        Format::Flyway => flat(format!("V{version}__{description}.sql"), sql.to_string()),
        // sql-dir: the version is the whole prefix, separator included (see `next_versions`).
        Format::SqlDir => flat(format!("{version}{description}.sql"), sql.to_string()),
        Format::Goose => {
            let mode = if outside {
                "-- +goose NO TRANSACTION\n"
            } else {
                ""
            };
            flat(
                format!("{name}.sql"),
                format!(
                    "{mode}-- +goose Up\n-- +goose StatementBegin\n{}\n-- +goose StatementEnd\n\n-- +goose Down\n{DOWN}",
                    sql.trim_end()
                ),
            )
        }
        Format::Drizzle if dir.join(drizzle::JOURNAL).is_file() => {
            flat(format!("{name}.sql"), sql.to_string())
        }
        Format::Drizzle | Format::Prisma => {
            let folder = dir.join(&name);
            Planned {
                main: folder.join("migration.sql"),
                files: vec![(folder.join("migration.sql"), sql.to_string())],
                dirs: vec![folder],
                transaction: migration.transaction && format == Format::Drizzle,
                key: None,
                entry: None,
            }
        }
        Format::Atlas => {
            let mode = if outside {
                "-- atlas:txmode none\n\n"
            } else {
                ""
            };
            flat(format!("{name}.sql"), format!("{mode}{sql}"))
        }
        Format::Refinery => {
            let mode = if outside {
                "-- refinery:noTransaction\n"
            } else {
                ""
            };
            flat(
                format!("V{version}__{description}.sql"),
                format!("{mode}{sql}"),
            )
        }
        Format::NodePgMigrate => flat(
            format!("{name}.sql"),
            format!("-- Up Migration\n{sql}\n-- Down Migration\n{DOWN}"),
        ),
        // graphile-migrate is written by `graphile`; auto and command never get here.
        Format::Supabase | Format::Auto | Format::Command | Format::GraphileMigrate => {
            flat(format!("{name}.sql"), sql.to_string())
        }
    }
}

/// The author of the changesets `fix --write` adds to a Liquibase chain.
const FIX_AUTHOR: &str = "pg-invariants";

/// A sqitch change as `sqitch add` lays it out: deploy, revert and verify scripts (their
/// directories created when missing) and a plan line. Every sqitch script runs outside a
/// transaction of pg-invariants' own; one that may run in a transaction opens its own, as
/// sqitch's template does.
fn sqitch_change(dir: &Path, version: &str, name: &str, migration: &NewMigration) -> Planned {
    let sql = migration.sql.trim_end();
    let deploy = match migration.transaction {
        true => format!("-- Deploy {name} to pg\n\nBEGIN;\n\n{sql}\n\nCOMMIT;\n"),
        false => format!(
            "-- Deploy {name} to pg\n-- No BEGIN/COMMIT: PostgreSQL runs this outside a transaction block only.\n\n{sql}\n"
        ),
    };
    // Where sqitch.conf puts the scripts (top_dir, deploy_dir...), else beside the plan.
    let (folders, ext) = match sqitch::Layout::of(dir) {
        Ok(l) => ([l.deploy, l.revert, l.verify], l.extension),
        Err(_) => (
            [sqitch::DEPLOY, "revert", "verify"].map(|folder| dir.join(folder)),
            "sql".to_string(),
        ),
    };
    let script = |folder: &Path| folder.join(format!("{name}.{ext}"));
    Planned {
        dirs: folders.iter().filter(|f| !f.is_dir()).cloned().collect(),
        main: script(&folders[0]),
        files: vec![
            (script(&folders[0]), deploy),
            (
                script(&folders[1]),
                format!("-- Revert {name} from pg\n{DOWN}"),
            ),
            (script(&folders[2]), format!("-- Verify {name} on pg\n")),
        ],
        transaction: false,
        key: None,
        entry: Some(format!(
            "{name} {} pg-invariants <pg-invariants@localhost> # Written by pg-invariants fix\n",
            iso_timestamp(version)
        )),
    }
}

/// A Liquibase changeset: appended to a `.sql` master, else in a new formatted SQL file beside
/// the master, which gains an `include` of it.
fn liquibase_changeset(dir: &Path, name: &str, migration: &NewMigration) -> Planned {
    let options = match migration.transaction {
        true => "",
        false => " runInTransaction:false",
    };
    let changeset = format!(
        "--changeset {FIX_AUTHOR}:{name}{options}\n{}\n",
        migration.sql.trim_end()
    );
    let key = Some(format!("{FIX_AUTHOR}:{name}"));
    let master = liquibase::master(dir).unwrap_or_else(|_| dir.to_path_buf());
    if is_sql(&master) {
        return Planned {
            dirs: Vec::new(),
            main: master,
            files: Vec::new(),
            transaction: migration.transaction,
            key,
            entry: Some(format!("\n{changeset}")),
        };
    }
    let file = format!("{name}.sql");
    let path = master.parent().unwrap_or(dir).join(&file);
    Planned {
        dirs: Vec::new(),
        main: path.clone(),
        files: vec![(path, format!("--liquibase formatted sql\n\n{changeset}"))],
        transaction: migration.transaction,
        key,
        entry: Some(file),
    }
}

pub(super) fn is_sql(path: &Path) -> bool {
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
