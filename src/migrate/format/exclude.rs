//! `[migrations] exclude`: migrations the chain keeps on disk but that never run (an abandoned
//! migration, a file the tool skips by its own configuration).
//!
//! A pattern is a glob (`*` any run of characters, `/` included; `?` one character) on the path
//! of a migration relative to `path`, `/`-separated: it excludes a migration when it matches the
//! migration's file (`*_abandoned.sql`, `sub/V3__old.sql`) or one of the directories holding it
//! inside `path` (`20240101000000_abandoned` for a folder-per-migration layout, `committed/...`).
//! Excluded migrations are still found, so a misnamed file stays an error; they are only left out
//! of the chain. When `path` names a file (a Liquibase master changelog), patterns are relative to
//! the directory holding it, where the changelogs it includes are.

use std::path::Path;

use crate::spec::Glob;

/// `migration` (a file inside `path`, or beside the file `path` names) is excluded by one of
/// `patterns`.
pub fn excluded(path: &Path, migration: &Path, patterns: &[Glob]) -> bool {
    let dir = match path.is_file() {
        true => path.parent().unwrap_or(path),
        false => path,
    };
    let Ok(relative) = migration.strip_prefix(dir) else {
        return false;
    };
    let parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    (1..=parts.len()).any(|n| {
        let prefix = parts[..n].join("/");
        patterns.iter().any(|pattern| pattern.matches(&prefix))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::file_glob("3_abandoned.sql", "*_abandoned.sql", true)]
    #[case::exact("3_abandoned.sql", "3_abandoned.sql", true)]
    #[case::other_file("3_kept.sql", "*_abandoned.sql", false)]
    #[case::nested_file_by_star("sub/V3__abandoned.sql", "*_abandoned.sql", true)]
    #[case::nested_file_by_path("sub/V3__abandoned.sql", "sub/*", true)]
    #[case::migration_folder("20240101000000_old/migration.sql", "20240101000000_old", true)]
    #[case::migration_folder_glob("20240101000000_old/migration.sql", "*_old", true)]
    #[case::file_in_folder("20240101000000_old/migration.sql", "migration.sql", false)]
    #[case::question_mark("2_b.sql", "?_b.sql", true)]
    fn patterns_match_the_file_or_its_folders(
        #[case] relative: &str,
        #[case] pattern: &str,
        #[case] expected: bool,
    ) {
        let dir = Path::new("/project/migrations");
        let path = dir.join(relative);
        assert_eq!(excluded(dir, &path, &[Glob::new(pattern)]), expected);
    }

    #[test]
    fn patterns_beside_a_master_changelog_are_relative_to_its_directory() {
        let temp = tempfile::tempdir().unwrap();
        let master = temp.path().join("db.changelog-master.yaml");
        std::fs::write(&master, "databaseChangeLog: []\n").unwrap();
        let old = temp.path().join("later/003-old.sql");
        assert!(excluded(&master, &old, &[Glob::new("later/*")]));
        assert!(!excluded(&master, &old, &[Glob::new("changes/*")]));
    }

    #[test]
    fn a_file_outside_the_directory_is_never_excluded() {
        let dir = Path::new("/project/migrations");
        let patterns = [Glob::new("*")];
        assert!(!excluded(dir, Path::new("/project/seed.sql"), &patterns));
    }
}
