//! Never vacuous: a chain of zero migrations is refused (exit 2), since a run over it would
//! check an empty database and pass. The error names what the directory does hold, so a user
//! whose migrations are code (`.ts`, `.go`, `.py`) or in another layout learns what to set.

use std::fmt;
use std::path::{Path, PathBuf};

use super::command_hint;
use super::format;
use crate::spec::{Format, MigrationsConfig};

/// How deep the directory is searched for files to name.
const DEPTH: usize = 3;
/// How many files the message names.
const SHOWN: usize = command_hint::SHOWN;

/// No migration to apply in `dir`.
#[derive(Debug)]
pub struct NoMigration {
    dir: PathBuf,
    format: Format,
    /// Migrations the format found before `exclude` left them all out.
    excluded: usize,
    /// Files of the directory that look like migrations of another kind, with what applies them.
    code: Vec<(PathBuf, &'static Tool)>,
    /// Any other files found (a few).
    other: Vec<PathBuf>,
}

/// A tool whose migrations are code, by file extension.
#[derive(Debug)]
struct Tool {
    extensions: &'static [&'static str],
    who: &'static str,
    command: Suggested,
}

/// The `command` a tool's migrations need.
#[derive(Debug)]
enum Suggested {
    /// The same whatever the files.
    Fixed(&'static str),
    /// node-pg-migrate's, with `-j ts` for TypeScript ([`command_hint::node_pg_migrate`]).
    NodePgMigrate,
    /// goose's, given the database through a shell ([`command_hint::goose`]).
    Goose,
}

impl Suggested {
    /// The text for the files `files` of the chain in `dir`.
    fn text(&self, dir: &Path, files: &[&Path]) -> String {
        match self {
            Self::Fixed(command) => command.to_string(),
            Self::NodePgMigrate => {
                command_hint::node_pg_migrate(files.iter().any(|f| command_hint::is_typescript(f)))
            }
            Self::Goose => command_hint::goose(dir),
        }
    }
}

const TOOLS: [Tool; 5] = [
    Tool {
        extensions: &["ts", "js", "cjs", "mjs", "cts", "mts"],
        who: "node-pg-migrate, knex, TypeORM, Kysely or another JavaScript tool",
        command: Suggested::NodePgMigrate,
    },
    Tool {
        extensions: &["go"],
        who: "goose's Go migrations (or another Go tool)",
        command: Suggested::Goose,
    },
    Tool {
        extensions: &["py"],
        who: "Alembic or Django",
        command: Suggested::Fixed(r#"command = ["alembic", "upgrade", "head"]"#),
    },
    Tool {
        extensions: &["rb"],
        who: "Rails (Active Record)",
        command: Suggested::Fixed(r#"command = ["bin/rails", "db:migrate"]"#),
    },
    Tool {
        extensions: &["java", "kt"],
        who: "Flyway's Java migrations (or another JVM tool)",
        command: Suggested::Fixed(r#"command = ["flyway", "migrate"]"#),
    },
];

impl NoMigration {
    /// What `config`'s directory holds, given that `found` migrations were found before
    /// `exclude`.
    pub(super) fn in_dir(config: &MigrationsConfig, found: usize) -> Self {
        let format = match config.format {
            Format::Auto => format::detect(&config.path).unwrap_or(Format::SqlDir),
            f => f,
        };
        let mut files = Vec::new();
        walk(&config.path, DEPTH, &mut files);
        files.sort();
        let (code, other): (Vec<_>, Vec<_>) = files
            .into_iter()
            .map(|f| {
                let tool = tool_of(&f);
                (f, tool)
            })
            .partition(|(_, tool)| tool.is_some());
        Self {
            dir: config.path.clone(),
            format,
            excluded: found,
            code: code
                .into_iter()
                .filter_map(|(f, t)| Some((f, t?)))
                .collect(),
            other: other.into_iter().map(|(f, _)| f).take(SHOWN).collect(),
        }
    }
}

fn tool_of(path: &Path) -> Option<&'static Tool> {
    let ext = path.extension()?.to_str()?;
    // `.d.ts` declarations and `.test.ts` files are not migrations either, but name them all
    // the same: the directory holds code, and the message is about what applies it.
    TOOLS.iter().find(|t| t.extensions.contains(&ext))
}

/// Every regular file under `dir`, `depth` levels down, hidden ones (`.git`, `.DS_Store`) aside.
fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && depth > 1 {
            walk(&entry.path(), depth - 1, out);
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
}

impl std::error::Error for NoMigration {}

impl fmt::Display for NoMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = crate::location::relative(&self.dir);
        write!(
            f,
            "{}: no migration to apply ({} layout): a run over zero migrations would check an empty database and pass",
            dir.display(),
            self.format.name()
        )?;
        if self.excluded > 0 {
            return write!(
                f,
                "\n  all {} migration(s) found are left out by `exclude` in the [migrations] section of pg-invariants.toml",
                self.excluded
            );
        }
        if let Some((_, tool)) = self.code.first() {
            let files: Vec<&Path> = (self.code.iter())
                .filter(|(_, t)| std::ptr::eq(*t, *tool))
                .map(|(p, _)| p.as_path())
                .collect();
            return write!(
                f,
                "\n  found {} migration(s) written as code, e.g. {}: {} applies them, not SQL this harness reads\n  \
                 set format = \"command\" and {} in the [migrations] section of pg-invariants.toml (README, docs/formats.md)",
                files.len(),
                command_hint::listed(&files),
                tool.who,
                tool.command.text(&self.dir, &files)
            );
        }
        if self.other.is_empty() {
            return write!(
                f,
                "\n  the directory is empty: point `path` in the [migrations] section of pg-invariants.toml at the chain"
            );
        }
        let files: Vec<&Path> = self.other.iter().map(PathBuf::as_path).collect();
        write!(
            f,
            "\n  found only files the {} layout does not read, e.g. {}\n  set `format` in the [migrations] section of pg-invariants.toml to the tool that wrote them (docs/formats.md lists the layouts)",
            self.format.name(),
            command_hint::listed(&files)
        )
    }
}
