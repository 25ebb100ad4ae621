//! `liquibase`: a master changelog whose includes lead, in order, to formatted SQL changelogs,
//! each `--changeset` of which is one migration.
//!
//! `path` names the master changelog (`.xml`, `.yaml`/`.yml`, `.json` or `.sql`), or a directory
//! holding one of the conventional names ([`MASTERS`]). Each changelog is read in order:
//! `include` (`file`) reads the changelog it names, `includeAll` (`path`) every changelog below
//! the directory it names (recursively, `.sql`, `.xml`, `.yaml`, `.yml`, `.json` files, by path,
//! as Liquibase sorts them); both resolve relative to the including changelog when
//! `relativeToChangelogFile` is true, else as Liquibase resolves them, on the classpath
//! (`classpath:` or not): in the directories of `[migrations] classpath` (by default the nearest
//! `src/main/resources` above the master changelog, as Maven and Spring Boot put it there), then
//! in the master changelog's directory. A formatted
//! SQL changelog may include others with `--include file:<path>` and `--includeAll path:<dir>`.
//! An included file or directory that does not exist is an error naming the include.
//!
//! A changeset written in XML, YAML or JSON (`<changeSet>` with `createTable`, `sql`...) only
//! Liquibase can run: it is an error naming the changeset (`author:id`) and where it is; use
//! `format = "command"` for such a chain. `property`, `preConditions` and any other element of a
//! changelog are ignored. Formatted SQL is read in `sql`; a changeset's `--rollback` lines are
//! its Down part ([`Migration::down`], read in `rollback`).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::tool::{Marked, Shape, Tool};
use super::write::{
    Created, NewFile, NewMigration, Planned, WriteError, appended, index, is_sql, timestamps,
};
use super::{DiscoverError, Format, Options, entries, io_error, read_text};
use crate::location::Location;
use crate::migrate::migration::Migration;

mod markup;
mod rollback;
mod sql;

use markup::{with_includes, xml_steps, yaml_steps};

/// The master changelog's conventional names, looked for in a directory `path` names.
pub(super) const MASTERS: [&str; 9] = [
    "db.changelog-master.xml",
    "db.changelog-master.yaml",
    "db.changelog-master.yml",
    "db.changelog-master.sql",
    "db.changelog-master.json",
    "changelog.xml",
    "changelog.yaml",
    "changelog.yml",
    "changelog.sql",
];

/// The extensions of changelogs: what `includeAll` reads and what `path` may name.
const EXTENSIONS: [&str; 5] = ["sql", "xml", "yaml", "yml", "json"];

/// One thing a changelog does, in its order.
pub(super) enum Step {
    /// `include` (`all` false) or `includeAll` (`all` true) of `target`.
    Include {
        target: String,
        all: bool,
        relative: bool,
        at: Location,
    },
    /// A changeset in change types: only Liquibase can run it.
    ChangeTypes { changeset: String, at: Location },
    /// A formatted SQL changeset.
    Sql(Box<Migration>),
}

/// Whether `path` has a changelog's extension.
fn is_changelog(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| EXTENSIONS.contains(&e.to_string_lossy().as_ref()))
}

/// Whether the file `path` reads as a master changelog: an XML, YAML or JSON file, or a
/// formatted SQL one (a plain `.sql` file is not a chain of Liquibase's).
pub(super) fn is_master_file(path: &Path) -> bool {
    match path.extension().map(|e| e.to_string_lossy().to_lowercase()) {
        Some(e) if e == "sql" => read_text(path).is_ok_and(|t| sql::is_formatted(&t)),
        _ => is_changelog(path),
    }
}

/// The conventional master changelog in `dir`, if there is one (a `changelog.sql` that is not
/// formatted SQL is any file of a `sql-dir` chain).
pub(super) fn master_in(dir: &Path) -> Option<PathBuf> {
    MASTERS
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file() && is_master_file(path))
}

/// The master changelog `path` names: the file itself, or the conventional master of a
/// directory.
pub(super) fn master(path: &Path) -> Result<PathBuf, DiscoverError> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    entries(path)?;
    master_in(path).ok_or_else(|| DiscoverError::NoMasterChangelog {
        path: path.to_path_buf(),
    })
}

/// The changesets of the chain whose master changelog is `path` (or in it), includes that are
/// not relative to their changelog resolved against `classpath`, then the master's directory
/// (see [`search_path`]).
pub(super) fn discover(
    path: &Path,
    classpath: &[PathBuf],
) -> Result<Vec<Migration>, DiscoverError> {
    let master = master(path)?;
    let mut reader = Reader {
        roots: search_path(&master, classpath),
        open: Vec::new(),
        migrations: Vec::new(),
    };
    reader.changelog(&master)?;
    Ok(reader.migrations)
}

/// Where Liquibase finds a changelog named by a `classpath:` path or by a path not relative to
/// the including changelog: on the classpath (`[migrations] classpath`, else the nearest
/// `src/main/resources` above the master changelog, which Maven and Spring Boot put on it),
/// then in the master changelog's directory (the CLI's search path).
fn search_path(master: &Path, classpath: &[PathBuf]) -> Vec<PathBuf> {
    let master_dir = master.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut roots = classpath.to_vec();
    if roots.is_empty() {
        let resources = Path::new("src/main/resources");
        let nearest = master_dir.ancestors().find_map(|dir| {
            if dir.ends_with(resources) {
                return Some(dir.to_path_buf());
            }
            Some(dir.join(resources)).filter(|d| d.is_dir())
        });
        roots.extend(nearest);
    }
    roots.push(master_dir);
    roots
}

/// Follows the includes from the master changelog, collecting the changesets.
struct Reader {
    /// Where includes not relative to their changelog are looked for, in order.
    roots: Vec<PathBuf>,
    /// The changelogs being read, to refuse an include cycle.
    open: Vec<PathBuf>,
    migrations: Vec<Migration>,
}

impl Reader {
    fn changelog(&mut self, file: &Path) -> Result<(), DiscoverError> {
        let text = read_text(file)?;
        let extension = file
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let steps = match extension.as_str() {
            "sql" => sql::steps(file, &text)?,
            "xml" => xml_steps(file, &text)?,
            _ => yaml_steps(file, &text)?,
        };
        self.open.push(file.to_path_buf());
        for step in steps {
            self.step(file, step)?;
        }
        self.open.pop();
        Ok(())
    }

    fn step(&mut self, file: &Path, step: Step) -> Result<(), DiscoverError> {
        let (target, all, relative, at) = match step {
            Step::Sql(migration) => {
                self.migrations.push(*migration);
                return Ok(());
            }
            Step::ChangeTypes { changeset, at } => {
                return Err(DiscoverError::ChangeTypes {
                    location: at,
                    changeset,
                });
            }
            Step::Include {
                target,
                all,
                relative,
                at,
            } => (target, all, relative, at),
        };
        let on_classpath = target.strip_prefix("classpath:");
        let bases: Vec<&Path> = match (relative, on_classpath) {
            (true, None) => vec![file.parent().unwrap_or(Path::new(""))],
            _ => self.roots.iter().map(PathBuf::as_path).collect(),
        };
        // On the classpath, `/db/x.sql` and `db/x.sql` are one resource.
        let name = on_classpath.unwrap_or(&target);
        let name = if bases.len() > 1 || on_classpath.is_some() {
            name.trim_start_matches('/')
        } else {
            name
        };
        let exists = |p: &Path| if all { p.is_dir() } else { p.is_file() };
        let candidates: Vec<PathBuf> = bases.iter().map(|base| base.join(name)).collect();
        let found = candidates.iter().find(|p| exists(p)).cloned();
        let missing = |path: PathBuf| DiscoverError::ListedFileMissing {
            location: at.clone(),
            entry: target.clone(),
            path,
        };
        let Some(path) = found else {
            if candidates.len() == 1 {
                return Err(missing(candidates.into_iter().next().unwrap_or_default()));
            }
            return Err(DiscoverError::NotOnClasspath {
                location: at,
                entry: target,
                searched: self.roots.clone(),
            });
        };
        if !all {
            if self.open.contains(&path) {
                return Err(DiscoverError::InvalidChangelog {
                    location: at,
                    message: format!("includes {}, which includes this file", path.display()),
                });
            }
            return self.changelog(&path);
        }
        let mut found = Vec::new();
        changelogs_below(&path, &mut found)?;
        found.sort_by_key(|p| p.to_string_lossy().into_owned());
        for changelog in found {
            if !self.open.contains(&changelog) {
                self.changelog(&changelog)?;
            }
        }
        Ok(())
    }
}

/// Every changelog below `dir`, hidden files left out.
fn changelogs_below(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), DiscoverError> {
    crate::migrate::file::note(dir);
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            changelogs_below(&path, found)?;
        } else if is_changelog(&path) {
            found.push(path);
        }
    }
    Ok(())
}

/// Liquibase's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE databasechangeloglock (
    id INTEGER NOT NULL,
    locked BOOLEAN NOT NULL,
    lockgranted TIMESTAMP WITHOUT TIME ZONE,
    lockedby VARCHAR(255),
    CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (id)
);
INSERT INTO databasechangeloglock (id, locked) VALUES (1, FALSE);
CREATE TABLE databasechangelog (
    id VARCHAR(255) NOT NULL,
    author VARCHAR(255) NOT NULL,
    filename VARCHAR(255) NOT NULL,
    dateexecuted TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    orderexecuted INTEGER NOT NULL,
    exectype VARCHAR(10) NOT NULL,
    md5sum VARCHAR(35),
    description VARCHAR(255),
    comments VARCHAR(255),
    tag VARCHAR(255),
    liquibase VARCHAR(20),
    contexts VARCHAR(255),
    labels VARCHAR(255),
    deployment_id VARCHAR(10)
);
";

/// `format = "liquibase"`.
pub(super) struct Liquibase;

impl Tool for Liquibase {
    fn format(&self) -> Format {
        Format::Liquibase
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("Liquibase", HISTORY))
    }

    fn discover(&self, dir: &Path, options: &Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir, &options.classpath)
    }

    fn has_down_parts(&self) -> bool {
        true
    }

    fn chain_files(&self) -> &'static [&'static str] {
        &[
            "src/main/resources/db/changelog/db.changelog-master.yaml",
            "src/main/resources/db/changelog/db.changelog-master.xml",
            "db/changelog/db.changelog-master.yaml",
            "db/changelog/db.changelog-master.xml",
            "db/changelog/db.changelog-master.sql",
            "changelog.xml",
            "changelog.yaml",
            "changelog.sql",
        ]
    }

    fn names_chain_file(&self, path: &Path) -> bool {
        is_master_file(path)
    }

    fn marks(&self, text: &str, _: bool) -> bool {
        sql::is_formatted(text)
    }

    fn marked(&self, dir: &Path, _: &Shape) -> Result<Marked, DiscoverError> {
        let layout = "a master changelog that includes the formatted SQL files; set `path` to \
                      it (db.changelog-master.xml, changelog.yaml...)";
        Ok(Marked::when(master_in(dir).is_some(), layout))
    }

    /// Names only: the changelog orders the chain.
    fn next_versions(&self, _: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
        timestamps(None, count, now)
    }

    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        changeset(dir, &new.name(), new.migration)
    }

    /// A `.sql` master gains the changesets; an XML or YAML master an `include` of each new
    /// file.
    fn bookkeeping(
        &self,
        dir: &Path,
        planned: &[Planned],
        _: SystemTime,
        created: &mut Created,
    ) -> Result<(), WriteError> {
        let path = master(dir)?;
        index(&path, planned, created, |old, entries| {
            if is_sql(&path) {
                return Ok(appended(old, entries));
            }
            with_includes(&path, &old, entries)
                .ok_or_else(|| WriteError::MasterNotExtended { path: path.clone() })
        })
    }
}

/// The author of the changesets `fix --write` adds to a Liquibase chain.
const FIX_AUTHOR: &str = "pg-invariants";

/// A Liquibase changeset: appended to a `.sql` master, else in a new formatted SQL file beside
/// the master, which gains an `include` of it.
fn changeset(dir: &Path, name: &str, migration: &NewMigration) -> Planned {
    let options = match migration.transaction {
        true => "",
        false => " runInTransaction:false",
    };
    let changeset = format!(
        "--changeset {FIX_AUTHOR}:{name}{options}\n{}\n",
        migration.sql.trim_end()
    );
    let key = Some(format!("{FIX_AUTHOR}:{name}"));
    let master = master(dir).unwrap_or_else(|_| dir.to_path_buf());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<databaseChangeLog xmlns=\"http://www.liquibase.org/xml/ns/dbchangelog\">\n";
    const A: &str = "--liquibase formatted sql\n--changeset ann:1\nSELECT 'a';\n";
    const B: &str = "--liquibase formatted sql\n--changeset bob:1\nSELECT 'b';\n--changeset bob:2\nSELECT 'b2';\n";

    fn versions(migrations: &[Migration]) -> Vec<&str> {
        migrations.iter().map(|m| m.version.as_str()).collect()
    }

    #[rstest]
    #[case::xml(
        "db.changelog-master.xml",
        &format!("{XML_HEAD}  <include file=\"changes/b.sql\" relativeToChangelogFile=\"true\"/>\n  <property name=\"x\" value=\"1\"/>\n  <include file=\"changes/a.sql\"/>\n</databaseChangeLog>\n")
    )]
    #[case::yaml(
        "db.changelog-master.yaml",
        "databaseChangeLog:\n  - include:\n      file: changes/b.sql\n      relativeToChangelogFile: true\n  - include:\n      file: changes/a.sql\n"
    )]
    #[case::json(
        "db.changelog-master.json",
        r#"{"databaseChangeLog": [{"include": {"file": "changes/b.sql"}}, {"include": {"file": "changes/a.sql"}}]}"#
    )]
    #[case::sql(
        "changelog.sql",
        "--liquibase formatted sql\n--include file:changes/b.sql relativeToChangelogFile:true\n--changeset me:own\nSELECT 1;\n--include file:changes/a.sql\n"
    )]
    fn includes_are_followed_in_order(#[case] master: &str, #[case] text: &str) {
        let fixture = Fixture::new(&[(master, text), ("changes/a.sql", A), ("changes/b.sql", B)]);
        let from_file = discover(&fixture.path().join(master), &[]).unwrap();
        let from_dir = discover(fixture.path(), &[]).unwrap();
        assert_eq!(from_file, from_dir);
        let expected: &[&str] = if master.ends_with(".sql") {
            &["bob:1", "bob:2", "me:own", "ann:1"]
        } else {
            &["bob:1", "bob:2", "ann:1"]
        };
        assert_eq!(versions(&from_file), expected);
    }

    /// `classpath:` and non-relative paths are looked for on the classpath first (by default
    /// the nearest `src/main/resources`), then in the master's directory; relative ones only
    /// beside their changelog.
    #[rstest]
    #[case::default_resources("", "src/main/resources/db/a.sql")]
    #[case::configured("conf", "conf/db/a.sql")]
    fn classpath_paths_resolve_on_the_classpath_first(
        #[case] classpath: &str,
        #[case] found: &str,
    ) {
        let master = "src/main/resources/db/changelog/master.yaml";
        let fixture = Fixture::new(&[
            (
                master,
                "databaseChangeLog:\n- include:\n    file: classpath:/db/a.sql\n- include:\n    file: b.sql\n",
            ),
            ("src/main/resources/db/a.sql", A),
            ("conf/db/a.sql", B),
            (
                "src/main/resources/db/changelog/db/a.sql",
                "--liquibase formatted sql\n--changeset no:1\n",
            ),
            (
                "src/main/resources/db/changelog/b.sql",
                "--liquibase formatted sql\n--changeset b:1\nSELECT 1;\n",
            ),
        ]);
        let roots: Vec<PathBuf> = match classpath {
            "" => Vec::new(),
            dir => vec![fixture.path().join(dir)],
        };
        let migrations = discover(&fixture.path().join(master), &roots).unwrap();
        assert!(
            migrations[0].path.ends_with(found),
            "{:?}",
            migrations[0].path
        );
        assert_eq!(versions(&migrations).last(), Some(&"b:1"));
    }

    #[test]
    fn a_classpath_path_found_nowhere_is_named() {
        let fixture = Fixture::new(&[(
            "changelog.yaml",
            "databaseChangeLog:\n- include:\n    file: classpath:db/none.sql\n",
        )]);
        let error = discover(fixture.path(), &[fixture.path().join("cp")]).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::NotOnClasspath { entry, searched, .. } if entry == "classpath:db/none.sql" && searched.len() == 2),
            "{error}"
        );
        assert!(error.to_string().contains("changelog.yaml:2:3"), "{error}");
        assert!(error.to_string().contains("`classpath`"), "{error}");
    }

    #[test]
    fn include_all_reads_every_changelog_below_by_path() {
        let fixture = Fixture::new(&[
            (
                "db/changelog/db.changelog-master.yaml",
                "databaseChangeLog:\n- includeAll:\n    path: changes/\n    relativeToChangelogFile: true\n- includeAll:\n    path: db/more\n",
            ),
            ("db/changelog/changes/2_b.sql", B),
            ("db/changelog/changes/1/a.sql", A),
            ("db/changelog/changes/README.md", "not a changelog"),
            (
                "db/more/x.xml",
                &format!(
                    "{XML_HEAD}<include file=\"x.sql\" relativeToChangelogFile=\"true\"/></databaseChangeLog>"
                ),
            ),
            (
                "db/more/x.sql",
                "--liquibase formatted sql\n--changeset x:1\nSELECT 1;\n",
            ),
        ]);
        // `db/more` is relative to the master's directory.
        let error = discover(&fixture.path().join("db/changelog"), &[]).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::ListedFileMissing { path, .. } if path.ends_with("db/changelog/db/more")),
            "{error}"
        );
        assert!(
            error.to_string().contains("db.changelog-master.yaml:5:3"),
            "{error}"
        );
        fs_move(
            &fixture.path().join("db/more"),
            &fixture.path().join("db/changelog/db/more"),
        );
        let migrations = discover(&fixture.path().join("db/changelog"), &[]).unwrap();
        // x.sql is read from x.xml and again by includeAll, as Liquibase would (then refuses it
        // as a duplicate changeset); both readings keep the order by path.
        assert_eq!(
            versions(&migrations),
            ["ann:1", "bob:1", "bob:2", "x:1", "x:1"]
        );
    }

    fn fs_move(from: &Path, to: &Path) {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::rename(from, to).unwrap();
    }

    #[rstest]
    #[case::change_types_xml(
        "changelog.xml",
        &format!("{XML_HEAD}\n  <changeSet id=\"1\" author=\"ann\">\n    <createTable tableName=\"t\"/>\n  </changeSet>\n</databaseChangeLog>\n"),
        "changelog.xml:4:3: changeset `ann:1`"
    )]
    #[case::change_types_yaml(
        "changelog.yaml",
        "databaseChangeLog:\n  - changeSet:\n      id: 7\n      author: bob\n      changes:\n        - createTable:\n            tableName: t\n",
        "changelog.yaml:2:5: changeset `bob:7`"
    )]
    #[case::xml(
        "changelog.xml",
        "<databaseChangeLog>\n  <include file=\"a.sql\">\n</databaseChangeLog>",
        "changelog.xml:3:1"
    )]
    #[case::yaml(
        "changelog.yaml",
        "databaseChangeLog:\n  - include: [\n",
        "changelog.yaml:3:1"
    )]
    #[case::cycle(
        "changelog.sql",
        "--liquibase formatted sql\n--include file:changelog.sql\n",
        "changelog.sql:2:1"
    )]
    fn a_broken_changelog_is_an_error_naming_where(
        #[case] name: &str,
        #[case] text: &str,
        #[case] expected: &str,
    ) {
        let fixture = Fixture::new(&[(name, text)]);
        let error = discover(fixture.path(), &[]).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    }

    #[test]
    fn a_directory_without_a_master_is_an_error() {
        let fixture = Fixture::new(&[("001.sql", A), ("changelog.sql", "SELECT 1;")]);
        let error = discover(fixture.path(), &[]).unwrap_err();
        assert!(
            matches!(error, DiscoverError::NoMasterChangelog { .. }),
            "{error}"
        );
    }

    #[rstest]
    #[case::xml_indented(
        "m.xml",
        "<databaseChangeLog>\n    <include file=\"a.sql\"/>\n</databaseChangeLog>\n",
        "<databaseChangeLog>\n    <include file=\"a.sql\"/>\n    <include file=\"n.sql\" relativeToChangelogFile=\"true\"/>\n</databaseChangeLog>\n"
    )]
    #[case::xml_one_line(
        "m.xml",
        "<databaseChangeLog></databaseChangeLog>",
        "<databaseChangeLog>\n    <include file=\"n.sql\" relativeToChangelogFile=\"true\"/>\n</databaseChangeLog>"
    )]
    #[case::yaml(
        "m.yaml",
        "databaseChangeLog:\n  - include:\n      file: a.sql",
        "databaseChangeLog:\n  - include:\n      file: a.sql\n  - include:\n      file: n.sql\n      relativeToChangelogFile: true\n"
    )]
    fn includes_are_added_at_the_end_of_the_master(
        #[case] name: &str,
        #[case] text: &str,
        #[case] expected: &str,
    ) {
        let added = with_includes(Path::new(name), text, &["n.sql"]).unwrap();
        assert_eq!(added, expected);
    }
}
