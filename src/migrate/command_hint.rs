//! The `command` a message suggests for migrations only their own tool can run (node-pg-migrate's
//! JavaScript and TypeScript, goose's Go), written once so that every message suggesting one
//! says the same thing, and says what works: `format = "command"` runs it with `DATABASE_URL` and
//! the `PG*` variables pointing at the ephemeral database (docs/formats.md).

use std::path::Path;

use crate::location::relative;
use crate::names::toml_string;

/// How many files a message names.
pub const SHOWN: usize = 3;

/// TypeScript migrations, as node-pg-migrate names them.
const TYPESCRIPT: [&str; 3] = ["ts", "cts", "mts"];

/// True for a `.ts`, `.cts` or `.mts` file.
pub fn is_typescript(path: &Path) -> bool {
    (path.extension().and_then(|e| e.to_str())).is_some_and(|e| TYPESCRIPT.contains(&e))
}

/// node-pg-migrate's `command`, for a directory holding TypeScript migrations or not.
/// node-pg-migrate reads `DATABASE_URL` itself; TypeScript takes `-j ts` and a loader.
pub fn node_pg_migrate(typescript: bool) -> String {
    match typescript {
        true => "command = [\"npx\", \"node-pg-migrate\", \"up\", \"-j\", \"ts\"] (TypeScript \
                 migrations need `-j ts`, and on Node < 22 `--tsx` with tsx installed, or \
                 ts-node)"
            .into(),
        false => "command = [\"npx\", \"node-pg-migrate\", \"up\"]".into(),
    }
}

/// goose's `command` for the Go migrations of `dir`. goose takes the database from its
/// arguments (or `GOOSE_DRIVER` and `GOOSE_DBSTRING`), never from `DATABASE_URL`, so a shell
/// passes it; Go migrations run only in a binary built with them.
pub fn goose(dir: &Path) -> String {
    let script = format!(
        "goose -dir {} postgres \"$DATABASE_URL\" up",
        shell_word(&relative(dir).display().to_string())
    );
    format!(
        "command = [\"sh\", \"-c\", {}] (goose reads the database from its arguments, not \
         DATABASE_URL; Go migrations run only in a goose binary built with them: put yours in \
         place of `goose`)",
        toml_string(&script)
    )
}

/// At most [`SHOWN`] of `paths`, relative to the current directory (the project's), and how
/// many more there are.
pub fn listed<P: AsRef<Path>>(paths: &[P]) -> String {
    let mut out = (paths.iter().take(SHOWN))
        .map(|p| relative(p.as_ref()).display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        out.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    out
}

/// `word` as one word of a POSIX shell command line.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c);
    match !word.is_empty() && word.chars().all(plain) {
        true => word.to_string(),
        false => format!("'{}'", word.replace('\'', r"'\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn typescript_migrations_need_j_ts_and_a_loader() {
        assert!(is_typescript(Path::new("m/1700000000000_a.ts")));
        assert!(is_typescript(Path::new("m/1_a.mts")));
        assert!(!is_typescript(Path::new("m/1_a.mjs")));
        let ts = node_pg_migrate(true);
        assert!(
            ts.starts_with(r#"command = ["npx", "node-pg-migrate", "up", "-j", "ts"] ("#),
            "{ts}"
        );
        assert!(ts.contains("--tsx") && ts.contains("ts-node") && ts.contains("Node < 22"));
        assert_eq!(
            node_pg_migrate(false),
            r#"command = ["npx", "node-pg-migrate", "up"]"#
        );
    }

    #[test]
    fn goose_gets_the_database_from_database_url_through_a_shell() {
        let text = goose(Path::new("migrations"));
        assert!(
            text.starts_with(
                r#"command = ["sh", "-c", "goose -dir migrations postgres \"$DATABASE_URL\" up"] ("#
            ),
            "{text}"
        );
        // The array is valid TOML, and the shell receives the URL quoted.
        let array = text.strip_prefix("command = ").unwrap();
        let array = &array[..array.find("] (").unwrap() + 1];
        let parsed: toml::Table = toml::from_str(&format!("c = {array}")).unwrap();
        assert_eq!(
            parsed["c"][2].as_str(),
            Some(r#"goose -dir migrations postgres "$DATABASE_URL" up"#)
        );
        assert!(goose(Path::new("db/my migrations")).contains(r#"-dir 'db/my migrations' "#));
    }

    #[test]
    fn at_most_three_files_are_listed() {
        let paths: Vec<PathBuf> = (1..=9)
            .map(|n| PathBuf::from(format!("m/{n}_a.go")))
            .collect();
        assert_eq!(listed(&paths), "m/1_a.go, m/2_a.go, m/3_a.go and 6 more");
        assert_eq!(listed(&paths[..2]), "m/1_a.go, m/2_a.go");
    }
}
