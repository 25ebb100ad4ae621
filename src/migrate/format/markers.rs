//! Which tool a chain's own files name, for `format = "auto"`.
//!
//! Layouts overlap: goose's `<version>_<name>.sql` is also a numbered `sql-dir`, and drizzle-kit
//! v1's `<timestamp>_<name>/migration.sql` is also Prisma's. Read with the wrong format, a goose
//! chain runs its Down sections and a drizzle chain runs files its journal abandoned: false
//! verdicts. The files say which tool they belong to: `-- +goose` annotations,
//! `--> statement-breakpoint`, `meta/_journal.json` or a `snapshot.json` beside a
//! `migration.sql` (drizzle), `-- migrate:up` (dbmate), a `-- no-transaction` first line (sqlx),
//! `--! Previous:` / `--! Hash:` headers (graphile-migrate, in `committed/` or not), `atlas.sum`
//! or an `-- atlas:` directive (atlas), `-- refinery:noTransaction` (refinery), `sqitch.plan`
//! (sqitch), a `--liquibase formatted sql` first line or a master changelog
//! (`db.changelog-master.*`, `changelog.*`: liquibase), `-- Up Migration` (node-pg-migrate).
//!
//! Markers choose among the formats whose layout the directory has. Markers of two formats, or
//! a marker in a directory without that tool's layout (`committed/` for graphile-migrate,
//! `atlas.sum` for atlas, a `deploy/` directory beside `sqitch.plan`, a master changelog for
//! liquibase's formatted SQL), are an error naming a file: guessing would apply the chain the
//! way neither tool does.

use std::path::{Path, PathBuf};

use super::tool::{Marked, Shape};
use super::{
    DiscoverError, Entry, Format, TOOLS, atlas, atlas_sum, flyway, graphile_migrate, liquibase,
    read_text,
};

/// A file that names the tool owning the chain.
struct Marker {
    format: Format,
    path: PathBuf,
}

/// The format the markers of `dir` choose, or `None` when they leave the choice to the layout
/// rules (no marker, or only dbmate's or sqlx's, which those rules handle).
pub(super) fn decide(dir: &Path, entries: &[Entry]) -> Result<Option<Format>, DiscoverError> {
    let mut found = find(dir, entries)?;
    if written_by_atlas_for_another_tool(&found, entries) {
        found.retain(|m| !m.path.ends_with(atlas::SUM));
    }
    let Some(first) = found.first() else {
        return Ok(None);
    };
    if let Some(other) = found.iter().find(|m| m.format != first.format) {
        return Err(DiscoverError::MixedMarkers {
            first: first.path.clone(),
            first_format: first.format,
            second: other.path.clone(),
            second_format: other.format,
        });
    }
    let shape = Shape {
        folders: (entries.iter()).any(|e| e.is_dir && e.path.join("migration.sql").is_file()),
        prisma_or_diesel: (entries.iter()).any(|e| {
            (e.is_dir && e.path.join("up.sql").is_file()) || e.name == "migration_lock.toml"
        }),
    };
    let Some(tool) = TOOLS.iter().find(|tool| tool.format() == first.format) else {
        return Ok(None);
    };
    match tool.marked(dir, &shape)? {
        Marked::Fits => Ok(Some(first.format)),
        Marked::ToRules => Ok(None),
        Marked::Lacks(layout) => Err(DiscoverError::MarkerWithoutLayout {
            path: first.path.clone(),
            format: first.format,
            layout,
        }),
    }
}

/// `atlas.sum` beside another tool's markers (goose, dbmate, Liquibase's formatted SQL) or
/// layout (golang-migrate's `.up.sql`, Flyway's `V<version>__` files): Atlas wrote that tool's
/// chain (`--dir-format`), which is that tool's format to read (the sum is checked all the same).
fn written_by_atlas_for_another_tool(found: &[Marker], entries: &[Entry]) -> bool {
    let has_sum = found.iter().any(|m| m.path.ends_with(atlas::SUM));
    let tool_marker = (found.iter()).any(|m| atlas_sum::writes_for(m.format));
    let tool_layout = entries
        .iter()
        .any(|e| !e.is_dir && (e.name.ends_with(".up.sql") || flyway::is_versioned(&e.name)));
    has_sum && (tool_marker || tool_layout)
}

/// Every marker of `dir`: the tools' own files (drizzle's journal, `atlas.sum`, `sqitch.plan`),
/// the SQL files of graphile-migrate's `committed/`, a Liquibase master changelog, its `.sql`
/// files and the SQL files of its migration directories.
fn find(dir: &Path, entries: &[Entry]) -> Result<Vec<Marker>, DiscoverError> {
    let mut found = Vec::new();
    for tool in TOOLS {
        for file in tool.marker_files() {
            let path = dir.join(file);
            if path.is_file() {
                found.push(Marker {
                    format: tool.format(),
                    path,
                });
            }
        }
    }
    let committed = dir.join(graphile_migrate::COMMITTED);
    if committed.is_dir() {
        for entry in super::entries(&committed)? {
            if !entry.is_dir && entry.name.ends_with(".sql") {
                in_file(&entry.path, false, &mut found)?;
            }
        }
    }
    if let Some(master) = liquibase::master_in(dir) {
        found.push(Marker {
            format: Format::Liquibase,
            path: master,
        });
    }
    for entry in entries {
        in_entry(entry, &mut found)?;
    }
    Ok(found)
}

/// The markers of one entry of the directory: a `.sql` file, or a migration directory's SQL
/// file and drizzle's `snapshot.json` beside a `migration.sql`.
fn in_entry(entry: &Entry, found: &mut Vec<Marker>) -> Result<(), DiscoverError> {
    if !entry.is_dir {
        if entry.name.ends_with(".sql") {
            in_file(&entry.path, true, found)?;
        }
        return Ok(());
    }
    let migration = entry.path.join("migration.sql");
    let snapshot = entry.path.join("snapshot.json");
    if migration.is_file() && snapshot.is_file() {
        found.push(Marker {
            format: Format::Drizzle,
            path: snapshot,
        });
    }
    for file in [migration, entry.path.join("up.sql")] {
        if file.is_file() {
            in_file(&file, false, found)?;
        }
    }
    Ok(())
}

/// The markers in the SQL file at `path`, as each tool recognises its own ([`Tool::marks`]):
/// those of dbmate, sqlx, atlas and refinery only when `flat` (the layout rules never looked
/// for them in directories). A goose or node-pg-migrate marker in a migration directory is
/// looked for: read as Prisma's, such a file would run its down section; so is a
/// `--liquibase formatted sql` line, whose `--rollback` lines would run.
///
/// [`Tool::marks`]: super::tool::Tool::marks
fn in_file(path: &Path, flat: bool, found: &mut Vec<Marker>) -> Result<(), DiscoverError> {
    let text = read_text(path)?;
    for tool in TOOLS {
        if tool.marks(&text, flat) {
            found.push(Marker {
                format: tool.format(),
                path: path.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::migrate::format::fixture::Fixture;
    use crate::migrate::format::{DiscoverError, Format, detect};
    use rstest::rstest;

    const GOOSE: &str = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n";
    const DRIZZLE: &str = "SELECT 1;\n--> statement-breakpoint\nSELECT 2;\n";
    const JOURNAL: &str = r#"{"entries": [{"idx": 0, "tag": "0000_a"}]}"#;
    const GRAPHILE: &str = "--! Previous: -\n--! Hash: sha1:x\n\nSELECT 1;\n";
    const NODE: &str = "-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;\n";
    const REFINERY: &str = "-- refinery:noTransaction\nVACUUM;\n";
    const LIQUIBASE: &str = "--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n";

    #[rstest]
    #[case::goose(&[("00001_a.sql", GOOSE), ("00002_b.sql", "-- +goose up\n")], Format::Goose)]
    #[case::goose_in_supabase_names(&[("20240101000000_a.sql", GOOSE)], Format::Goose)]
    #[case::drizzle_journal(&[("meta/_journal.json", JOURNAL), ("0000_a.sql", "SELECT 1;")], Format::Drizzle)]
    #[case::drizzle_journal_breakpoints(&[("meta/_journal.json", JOURNAL), ("0000_a.sql", DRIZZLE)], Format::Drizzle)]
    #[case::drizzle_v1_breakpoint(&[("20250101000000_a/migration.sql", DRIZZLE)], Format::Drizzle)]
    #[case::drizzle_v1_snapshot(&[("20250101000000_a/migration.sql", "SELECT 1;"), ("20250101000000_a/snapshot.json", "{}")], Format::Drizzle)]
    #[case::prisma_stays_prisma(&[("20240101000000_a/migration.sql", "SELECT 1;"), ("migration_lock.toml", "")], Format::Prisma)]
    #[case::graphile(&[("committed/000001.sql", GRAPHILE), ("current.sql", "")], Format::GraphileMigrate)]
    #[case::atlas_sum(&[("20240101000000_a.sql", "SELECT 1;"), ("atlas.sum", "h1:x\n")], Format::Atlas)]
    #[case::atlas_directive(&[("1_a.sql", "-- atlas:txmode none\n\nVACUUM;"), ("atlas.sum", "")], Format::Atlas)]
    #[case::atlas_over_golang_migrate(&[("1_a.up.sql", "SELECT 1;"), ("1_a.down.sql", ""), ("atlas.sum", "h1:x\n")], Format::GolangMigrate)]
    #[case::atlas_over_goose(&[("1_a.sql", GOOSE), ("atlas.sum", "h1:x\n")], Format::Goose)]
    #[case::atlas_over_dbmate(&[("1_a.sql", "-- migrate:up\nSELECT 1;\n"), ("atlas.sum", "h1:x\n")], Format::Dbmate)]
    #[case::atlas_over_flyway(&[("V1__a.sql", "SELECT 1;"), ("atlas.sum", "h1:x\n")], Format::Flyway)]
    #[case::node_pg_migrate(&[("1700000000000_a.sql", NODE)], Format::NodePgMigrate)]
    #[case::node_pg_migrate_lower_case(&[("1700000000000_a.sql", "-- up migration\nSELECT 1;")], Format::NodePgMigrate)]
    #[case::refinery_marker(&[("V1__a.sql", "SELECT 1;"), ("V2__b.sql", REFINERY)], Format::Refinery)]
    fn markers_choose_the_format(#[case] files: &[(&str, &str)], #[case] expected: Format) {
        let fixture = Fixture::new(files);
        assert_eq!(detect(fixture.path()).unwrap(), expected);
    }

    #[rstest]
    #[case::goose_in_prisma(&[("20240101000000_a/migration.sql", GOOSE)], "20240101000000_a/migration.sql", "goose")]
    #[case::goose_in_diesel(&[("2024-01-01-000000_a/up.sql", GOOSE)], "2024-01-01-000000_a/up.sql", "goose")]
    #[case::breakpoints_without_journal(&[("0000_a.sql", DRIZZLE)], "0000_a.sql", "drizzle")]
    #[case::breakpoints_in_prisma(&[("20240101000000_a/migration.sql", DRIZZLE), ("migration_lock.toml", "")], "migration.sql", "drizzle")]
    #[case::graphile_without_committed(&[("000001.sql", GRAPHILE)], "000001.sql", "graphile-migrate")]
    #[case::atlas_directive_without_sum(&[("1_a.sql", "-- atlas:txmode none\n\nVACUUM;")], "1_a.sql", "atlas")]
    #[case::atlas_sum_beside_folders(&[("atlas.sum", ""), ("20240101000000_a/migration.sql", "SELECT 1;")], "atlas.sum", "atlas")]
    #[case::node_pg_migrate_in_prisma(&[("20240101000000_a/migration.sql", NODE)], "migration.sql", "node-pg-migrate")]
    #[case::formatted_sql_without_master(&[("001_a.sql", LIQUIBASE)], "001_a.sql", "liquibase")]
    #[case::formatted_sql_in_prisma(&[("20240101000000_a/migration.sql", LIQUIBASE)], "migration.sql", "liquibase")]
    fn marker_without_its_layout_is_an_error(
        #[case] files: &[(&str, &str)],
        #[case] file: &str,
        #[case] format: &str,
    ) {
        let fixture = Fixture::new(files);
        let error = detect(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::MarkerWithoutLayout { path, .. } if path.ends_with(file)),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains(&format!("format = \"{format}\"")),
            "{error}"
        );
    }

    #[rstest]
    #[case::plan_without_deploy(&[("sqitch.plan", "%project=p\n\n")], "deploy does not exist")]
    #[case::conf_naming_a_missing_plan(&[("sqitch.plan", ""), ("deploy/", ""), ("sqitch.conf", "[core]\n top_dir = sql\n")], "sql/sqitch.plan does not exist")]
    fn a_sqitch_layout_that_is_not_there_names_what_is_missing(
        #[case] files: &[(&str, &str)],
        #[case] problem: &str,
    ) {
        let fixture = Fixture::new(files);
        let error = detect(fixture.path()).unwrap_err().to_string();
        assert!(error.contains(problem), "{error}");
        assert!(error.contains("point `path`"), "{error}");
        assert!(!error.contains("format = \"sqitch\""), "{error}");
    }

    #[test]
    fn sqitch_conf_moves_the_plan_as_sqitch_reads_it() {
        // Tamarou/Registry's shape: a stale sqitch.plan at the top, the real one in sql/.
        let fixture = Fixture::new(&[
            ("sqitch.conf", "[core]\n\tengine = pg\n\t top_dir = ./sql\n"),
            (
                "sqitch.plan",
                "%project=p\n\nold 2024-01-01T00:00:00Z M <m@x>\n",
            ),
            (
                "sql/sqitch.plan",
                "%project=p\n\na 2024-01-01T00:00:00Z M <m@x>\n",
            ),
            ("sql/deploy/a.sql", "SELECT 1;"),
        ]);
        assert_eq!(detect(fixture.path()).unwrap(), Format::Sqitch);
        let migrations = super::super::discover(Format::Auto, fixture.path()).unwrap();
        assert_eq!(fixture.order(&migrations), ["sql/deploy/a.sql"]);
    }

    #[rstest]
    #[case::goose_and_drizzle(&[("1_a.sql", GOOSE), ("2_b.sql", DRIZZLE)])]
    #[case::goose_and_dbmate(&[("1_a.sql", GOOSE), ("2_b.sql", "-- migrate:up\nSELECT 1;\n")])]
    #[case::goose_and_journal(&[("meta/_journal.json", JOURNAL), ("0000_a.sql", GOOSE)])]
    #[case::dbmate_and_sqlx(&[("1_a.sql", "-- migrate:up\n"), ("2_b.sql", "-- no-transaction\nVACUUM;")])]
    #[case::node_pg_migrate_and_goose(&[("1_a.sql", NODE), ("2_b.sql", GOOSE)])]
    #[case::atlas_and_node_pg_migrate(&[("atlas.sum", ""), ("1_a.sql", NODE)])]
    #[case::graphile_and_atlas(&[("committed/000001.sql", GRAPHILE), ("atlas.sum", "")])]
    #[case::refinery_and_dbmate(&[("V1__a.sql", REFINERY), ("V2__b.sql", "-- migrate:up\n")])]
    #[case::sqitch_and_goose(&[("sqitch.plan", "%project=p\n\n"), ("deploy/", ""), ("1_a.sql", GOOSE)])]
    #[case::liquibase_and_goose(&[("changelog.sql", LIQUIBASE), ("1_a.sql", GOOSE)])]
    #[case::sqitch_and_liquibase(&[("sqitch.plan", "%project=p\n\n"), ("deploy/", ""), ("changelog.sql", LIQUIBASE)])]
    #[case::sqitch_and_atlas(&[("sqitch.plan", "%project=p\n\n"), ("deploy/", ""), ("atlas.sum", "")])]
    #[case::sqitch_and_refinery(&[("sqitch.plan", "%project=p\n\n"), ("deploy/", ""), ("V1__a.sql", REFINERY)])]
    #[case::liquibase_in_committed(&[("committed/000001.sql", GRAPHILE), ("committed/000002.sql", LIQUIBASE)])]
    #[case::liquibase_and_node_pg_migrate(&[("changelog.sql", LIQUIBASE), ("1700000000000_a.sql", NODE)])]
    fn mixed_markers_are_an_error(#[case] files: &[(&str, &str)]) {
        let fixture = Fixture::new(files);
        let error = detect(fixture.path()).unwrap_err();
        assert!(
            matches!(error, DiscoverError::MixedMarkers { .. }),
            "{error}"
        );
    }
}
