//! The `pg-invariants.toml` that `init` writes when a project has none: where the chain is, its
//! format, the seed when one is obvious, and the schemas, with comments saying what was inferred
//! and what was not.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::migrate::Migration;
use crate::migrate::format;
use crate::names::toml_string;
use crate::spec::Format;

/// Where tools keep a chain, relative to the project, in the order they are tried.
pub const CONVENTIONAL_DIRS: [&str; 7] = [
    "migrations",
    "prisma/migrations",
    "supabase/migrations",
    "db/migrations",
    "db/migration",
    "src/main/resources/db/migration",
    "drizzle",
];

/// The chain of `project`: the first file that names a chain by itself (sqitch's
/// configuration or plan, a Liquibase master changelog: see [`format::named_chain`]), else the first
/// conventional chain directory that holds anything but hidden files (an empty `migrations/`
/// left by one tool must not hide another tool's `db/migrations`), else the first that exists.
/// Every directory layout lives in one of them: graphile-migrate's, Atlas's, refinery's and
/// node-pg-migrate's default `migrations/`, Prisma's `prisma/migrations`, Supabase's, dbmate's
/// `db/migrations`, Flyway's, drizzle-kit's `drizzle/`; the format is then detected from what
/// the directory holds.
pub fn find_migrations(project: &Path) -> Option<PathBuf> {
    format::named_chain(project).or_else(|| conventional_dir(project))
}

/// The first of [`CONVENTIONAL_DIRS`] in `project` that holds a visible entry, else the first
/// that exists.
fn conventional_dir(project: &Path) -> Option<PathBuf> {
    let existing: Vec<PathBuf> = CONVENTIONAL_DIRS
        .iter()
        .map(PathBuf::from)
        .filter(|dir| project.join(dir).is_dir())
        .collect();
    let holds_something = |dir: &&PathBuf| {
        std::fs::read_dir(project.join(dir)).is_ok_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| !e.file_name().to_string_lossy().starts_with('.')))
        })
    };
    existing
        .iter()
        .find(holds_something)
        .or(existing.first())
        .cloned()
}

/// What only a Supabase database has before the user's migrations run (its preset installs
/// them): the first migration that uses one, and what it uses (`migrations/0003_rls.sql uses
/// auth.uid()`). A chain written for Supabase but laid out for dbmate, goose or sql-dir applies
/// only with the preset.
pub fn supabase_use(migrations: &[Migration]) -> Option<String> {
    const USES: [&str; 9] = [
        "auth.uid()",
        "auth.jwt()",
        "auth.role()",
        "auth.users",
        "storage.objects",
        "storage.buckets",
        "to authenticated",
        "to anon",
        "service_role",
    ];
    migrations.iter().find_map(|m| {
        let body = m.sql();
        let sql: String = (crate::sql::statements::split(body).iter())
            .map(|s| body[s.range.clone()].to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let used = USES.iter().find(|u| sql.contains(**u))?;
        Some(format!(
            "{} uses {used}",
            crate::location::relative(&m.path).display()
        ))
    })
}

/// A `seed.sql` beside the chain's directory (Supabase's `supabase/seed.sql`), relative to the
/// project like `migrations`.
pub fn find_seed(project: &Path, migrations: &Path) -> Option<PathBuf> {
    let seed = migrations.parent()?.join("seed.sql");
    project.join(&seed).is_file().then_some(seed)
}

/// What a new project file says.
pub struct NewProject {
    /// Relative to the project file's directory.
    pub migrations: PathBuf,
    /// Given with `--format`, else detected.
    pub format: Format,
    pub format_given: bool,
    pub seed: Option<PathBuf>,
    pub schemas: Vec<String>,
    /// Where the chain uses what only a Supabase database has (see [`supabase_use`]), when its
    /// layout is another tool's.
    pub uses_supabase: Option<String>,
}

impl NewProject {
    pub fn render(&self) -> String {
        let path = |p: &Path| toml_string(&p.to_string_lossy());
        let format_note = if self.format_given {
            "given to init"
        } else {
            "detected from the layout; set it if this is wrong"
        };
        let mut out = String::from(
            "# pg-invariants: written by `pg-invariants init`. Relative paths are relative to this\n\
             # file. Every key is documented in docs/configuration.md of pg-invariants.\n\n",
        );
        if self.format == Format::Supabase {
            out.push_str(
                "[database]\n\
                 # a Supabase chain: its roles, auth, storage and extensions exist before it runs\n\
                 preset = \"supabase\"\n\n",
            );
        } else if let Some(usage) = &self.uses_supabase {
            let _ = write!(
                out,
                "[database]\n\
                 # the chain uses what a Supabase database has before it runs ({usage}):\n\
                 # its roles, auth, storage and extensions are installed first\n\
                 preset = \"supabase\"\n\n"
            );
        }
        out.push_str("[migrations]\n");
        let _ = writeln!(out, "path = {}", path(&self.migrations));
        let _ = writeln!(
            out,
            "format = {}  # {format_note}",
            toml_string(self.format.name())
        );
        out.push_str(
            "# SQL files run before the chain: roles, extensions, or stubs of what a platform\n\
             # provides that no [database] preset covers. Not inferred.\n\
             before = []\n",
        );
        match &self.seed {
            Some(seed) => {
                let _ = writeln!(
                    out,
                    "seed = [{}]  # found beside the migrations",
                    path(seed)
                );
            }
            None => out.push_str("seed = []  # SQL files run after the chain; none found\n"),
        }
        let schemas: Vec<String> = self.schemas.iter().map(|s| toml_string(s)).collect();
        let _ = write!(
            out,
            "\n[invariants]\n\
             path = \"invariants\"\n\
             schemas = [{}]  # every table in them needs a table file (coverage)\n\
             ignore = []  # tables left out of coverage and rules, e.g. [\"*_backup\"]\n\n\
             [snapshots]\n\
             enabled = true\n\
             path = \"snapshots\"\n",
            schemas.join(", ")
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Preset, Project};

    #[test]
    fn the_project_file_is_valid_and_says_what_was_found() {
        let dir = tempfile::tempdir().unwrap();
        let project = NewProject {
            migrations: PathBuf::from("supabase/migrations"),
            format: Format::Supabase,
            format_given: false,
            seed: Some(PathBuf::from("supabase/seed.sql")),
            schemas: vec!["public".into(), "billing".into()],
            uses_supabase: None,
        };
        let text = project.render();
        assert!(text.contains("format = \"supabase\"  # detected"), "{text}");
        let file = dir.path().join("pg-invariants.toml");
        std::fs::write(&file, &text).unwrap();
        let loaded = Project::load(&file).expect("valid");
        assert_eq!(
            loaded.migrations.path,
            dir.path().join("supabase/migrations")
        );
        assert_eq!(loaded.migrations.format, Format::Supabase);
        assert_eq!(
            loaded.migrations.seed,
            [dir.path().join("supabase/seed.sql")]
        );
        assert_eq!(loaded.invariants.schemas, ["public", "billing"]);
        assert!(loaded.snapshots.enabled);
        assert_eq!(loaded.database.preset, Preset::Supabase);
    }

    #[test]
    fn conventional_directories_and_the_seed_beside_them_are_found() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_migrations(dir.path()), None);
        std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
        std::fs::write(dir.path().join("supabase/seed.sql"), "").unwrap();
        let found = find_migrations(dir.path()).unwrap();
        assert_eq!(found, PathBuf::from("supabase/migrations"));
        assert_eq!(
            find_seed(dir.path(), &found),
            Some(PathBuf::from("supabase/seed.sql"))
        );
        assert_eq!(find_seed(dir.path(), Path::new("migrations")), None);
    }

    #[rstest::rstest]
    #[case::sqitch_at_the_root("sqitch.plan", ".")]
    #[case::sqitch_conf_at_the_root("sqitch.conf", ".")]
    #[case::sqitch_in_db("db/sqitch.plan", "db")]
    #[case::sqitch_conf_in_db("db/sqitch.conf", "db")]
    #[case::spring_boot(
        "src/main/resources/db/changelog/db.changelog-master.yaml",
        "src/main/resources/db/changelog/db.changelog-master.yaml"
    )]
    #[case::liquibase_master(
        "db/changelog/db.changelog-master.xml",
        "db/changelog/db.changelog-master.xml"
    )]
    fn a_plan_or_a_master_changelog_names_the_chain(#[case] file: &str, #[case] expected: &str) {
        let dir = tempfile::tempdir().unwrap();
        // Even beside a conventional directory: the file says which tool owns the chain.
        std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "").unwrap();
        assert_eq!(find_migrations(dir.path()), Some(PathBuf::from(expected)));
    }

    #[test]
    fn an_empty_directory_does_not_hide_a_chain() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
        std::fs::write(dir.path().join("migrations/.gitkeep"), "").unwrap();
        assert_eq!(
            find_migrations(dir.path()),
            Some(PathBuf::from("migrations"))
        );
        std::fs::create_dir_all(dir.path().join("db/migrations")).unwrap();
        std::fs::write(dir.path().join("db/migrations/20240101000000_a.sql"), "").unwrap();
        assert_eq!(
            find_migrations(dir.path()),
            Some(PathBuf::from("db/migrations"))
        );
    }

    /// Each tool's chain, where the tool keeps it, is found and read as that tool's.
    #[rstest::rstest]
    #[case::graphile("migrations", &[("committed/000001.sql", "--! Previous: -\n--! Hash: sha1:x\n\nSELECT 1;\n"), ("current.sql", "")], Format::GraphileMigrate)]
    #[case::atlas("migrations", &[("20240101000000_a.sql", "SELECT 1;\n"), ("atlas.sum", "")], Format::Atlas)]
    #[case::refinery("migrations", &[("V1__a.sql", "-- refinery:noTransaction\nVACUUM;\n")], Format::Refinery)]
    #[case::node_pg_migrate("migrations", &[("1700000000000_a.sql", "-- Up Migration\nSELECT 1;\n")], Format::NodePgMigrate)]
    #[case::goose("db/migrations", &[("00001_a.sql", "-- +goose Up\nSELECT 1;\n")], Format::Goose)]
    #[case::drizzle("drizzle", &[("meta/_journal.json", "{\"entries\": []}")], Format::Drizzle)]
    #[case::supabase("supabase/migrations", &[("20240101000000_a.sql", "SELECT 1;\n")], Format::Supabase)]
    #[case::prisma("prisma/migrations", &[("20240101000000_a/migration.sql", "SELECT 1;\n")], Format::Prisma)]
    fn each_layout_is_found_where_its_tool_keeps_it(
        #[case] sub: &str,
        #[case] files: &[(&str, &str)],
        #[case] format: Format,
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(sub).join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let found = find_migrations(dir.path()).unwrap();
        assert_eq!(found, PathBuf::from(sub));
        assert_eq!(
            crate::migrate::format::detect(&dir.path().join(found)).unwrap(),
            format
        );
    }

    #[test]
    fn drizzle_kit_output_directory_is_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("drizzle/meta")).unwrap();
        assert_eq!(find_migrations(dir.path()), Some(PathBuf::from("drizzle")));
    }
}
