//! `graphile-migrate`: `path` is graphile-migrate's migrations folder; the chain is its
//! `committed/<number>[-name].sql` files, applied by number. `current.sql` and `current/` are
//! work in progress that graphile-migrate applies only in watch mode: never here.
//!
//! As graphile-migrate reads a committed migration: its header is the leading `--! Key: value`
//! lines (the key capitalised), then a blank line, then the body. `--! Previous:` (`-` for the
//! first) must name the hash of the migration before it and `--! Hash:` must be the body's hash
//! (`sha1:` of the previous hash, a line break and the body), unless `--! AllowInvalidHash` says
//! the file was edited on purpose; otherwise graphile-migrate refuses the chain, and so does this
//! reading, naming the line. The body runs in one transaction; when its first line is
//! `--! no-transaction` graphile-migrate sends it as one query outside a transaction, which
//! PostgreSQL runs as one implicit transaction unless it is a single statement, so here it is
//! one statement too.
//!
//! As `graphile-migrate reset` builds a database: `.gmrc`'s `afterReset` SQL files first (see
//! [`gmrc`]), then the committed migrations. Placeholders (`:DATABASE_NAME`, `.gmrc`'s...) are
//! replaced in both when they are sent; one that is not known is an error naming it and where it
//! is (see [`crate::migrate::placeholders`]).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::tool::{Listing, Marked, Shape, Tool};
use super::version::{cmp_numeric, leading_digits};
use super::write::{NewFile, NewMigration, Planned, WriteError, sequence};
use super::{
    DiscoverError, Format, Options, as_one_message, entries, gmrc, in_version_order, lines,
    read_migration,
};
use crate::location::Location;
use crate::migrate::migration::Migration;
use crate::migrate::placeholders::Placeholders;

/// The folder of committed migrations, in `path`.
pub(super) const COMMITTED: &str = "committed";

/// The header lines that name graphile-migrate, for detection.
const MARKERS: [&str; 2] = ["--! Previous:", "--! Hash:"];

/// `.gmrc`'s `afterReset` SQL files, then the committed migrations, every placeholder in them
/// known (see [`crate::migrate::placeholders`]).
pub(super) fn discover(dir: &Path, options: &Options) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = gmrc::after_reset(dir)?;
    migrations.extend(committed(dir)?);
    let known = placeholders(dir, options)?;
    for migration in &migrations {
        if let Some((at, word)) = known.unknown(&migration.text, migration.body.clone()) {
            return Err(DiscoverError::Malformed {
                location: Location::at(&migration.path, &migration.text, at),
                problem: format!(
                    "unknown placeholder `{word}`: graphile-migrate replaces only the \
                     placeholders it knows ({}), so PostgreSQL would get `{word}` as it is, a \
                     syntax error; give it a value in `placeholders` of .gmrc or of the \
                     [migrations] section of pg-invariants.toml",
                    known.names().join(", ")
                ),
            });
        }
    }
    Ok(migrations)
}

/// The placeholders of the chain in `dir`: `.gmrc`'s, the built-in ones, then the project's.
pub(super) fn placeholders(dir: &Path, options: &Options) -> Result<Placeholders, DiscoverError> {
    let (gmrc, origin) = match gmrc::find(dir)? {
        Some(settings) => {
            let origin = crate::location::relative(&settings.path)
                .display()
                .to_string();
            (settings.placeholders, origin)
        }
        None => (Vec::new(), String::new()),
    };
    Ok(Placeholders::resolve(
        &gmrc,
        &origin,
        &options.placeholders,
    )?)
}

/// The committed migrations, in order, their links and hashes checked.
fn committed(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let committed = dir.join(COMMITTED);
    if !committed.is_dir() {
        // graphile-migrate creates the folder on first use: no migration yet (once `path` is
        // known to be a directory).
        entries(dir)?;
        return Ok(Vec::new());
    }
    let mut migrations = Vec::new();
    for entry in entries(&committed)? {
        if entry.is_dir || !entry.name.ends_with(".sql") {
            continue;
        }
        let Some((number, description)) = parse(&entry.name) else {
            return Err(DiscoverError::UnexpectedName {
                path: entry.path,
                format: Format::GraphileMigrate,
                expected: "`committed/<number>.sql` or `committed/<number>-<message>.sql`",
            });
        };
        migrations.push(read_migration(entry.path.clone(), number, description)?);
    }
    let mut migrations = in_version_order(Format::GraphileMigrate, migrations, cmp_numeric)?;
    let mut previous: Option<String> = None;
    for migration in &mut migrations {
        let parsed = Committed::read(&migration.path, &migration.text)?;
        parsed.check(&migration.path, &migration.text, previous.as_deref())?;
        migration.body = parsed.body.clone();
        if parsed.no_transaction(&migration.text) {
            as_one_message(migration);
        }
        previous = Some(parsed.hash.value);
    }
    Ok(migrations)
}

/// `<number>.sql` or `<number>-<message>.sql`, the message letters, digits, `-` and `_`.
fn parse(name: &str) -> Option<(&str, &str)> {
    let stem = name.strip_suffix(".sql")?;
    let (digits, rest) = leading_digits(stem);
    let message = match rest {
        "" => "",
        _ => rest.strip_prefix('-')?,
    };
    let valid = message
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!digits.is_empty() && valid).then_some((digits, message))
}

/// The work in progress graphile-migrate does not apply, for the run to name.
pub(super) fn uncommitted(dir: &Path) -> Vec<PathBuf> {
    [dir.join("current.sql"), dir.join("current")]
        .into_iter()
        .filter(|path| path.exists())
        .collect()
}

/// The file has a graphile-migrate header, for detection.
pub(super) fn has_header(text: &str) -> bool {
    lines(text)
        .map_while(|(_, line)| line.starts_with("--! ").then_some(line))
        .any(|line| MARKERS.iter().any(|marker| line.starts_with(marker)))
}

/// A header value and where it is.
struct Header {
    value: String,
    offset: usize,
}

/// A committed migration's header and body.
struct Committed {
    previous: Header,
    hash: Header,
    allow_invalid_hash: bool,
    /// The body without the whitespace graphile-migrate trims from it.
    body: Range<usize>,
}

impl Committed {
    fn read(path: &Path, text: &str) -> Result<Self, DiscoverError> {
        let problem = |offset: usize, problem: String| DiscoverError::Malformed {
            location: Location::at(path, text, offset),
            problem,
        };
        let mut headers: Vec<(&str, Header)> = Vec::new();
        let mut body_start = text.len();
        let mut after_headers = None;
        for (start, line) in text.split('\n').scan(0, |offset, line| {
            let start = *offset;
            *offset += line.len() + 1;
            Some((start, line))
        }) {
            let Some((key, value)) = header_line(line) else {
                after_headers = Some((start, line));
                break;
            };
            if headers.iter().any(|(k, _)| *k == key) {
                return Err(problem(
                    start,
                    format!("header `{key}` a second time; graphile-migrate refuses the file"),
                ));
            }
            headers.push((
                key,
                Header {
                    value: value.to_string(),
                    offset: start,
                },
            ));
        }
        if let Some((start, line)) = after_headers {
            if !line.is_empty() {
                let why = if line == "\r" {
                    "a CRLF line break: graphile-migrate refuses committed migrations whose line \
                     endings were converted; add `committed/*.sql -text` to .gitattributes"
                } else {
                    "graphile-migrate requires a blank line between the `--!` headers and the body"
                };
                return Err(problem(start, why.into()));
            }
            body_start = start;
        }
        let mut take = |key: &str| {
            let at = headers.iter().position(|(k, _)| *k == key)?;
            Some(headers.remove(at).1)
        };
        let missing = |key: &str| {
            problem(
                0,
                format!(
                    "no `--! {key}:` header; graphile-migrate refuses a committed migration \
                     without it"
                ),
            )
        };
        let previous = take("Previous")
            .filter(|h| !h.value.is_empty())
            .ok_or_else(|| missing("Previous"))?;
        let hash = take("Hash")
            .filter(|h| !h.value.is_empty())
            .ok_or_else(|| missing("Hash"))?;
        let allow_invalid_hash = take("AllowInvalidHash").is_some();
        let rest = &text[body_start..];
        let start = body_start + (rest.len() - rest.trim_start().len());
        let end = body_start + rest.trim_end().len();
        Ok(Self {
            previous,
            hash,
            allow_invalid_hash,
            body: start..end.max(start),
        })
    }

    /// The links and the hash graphile-migrate checks before running the migration.
    fn check(&self, path: &Path, text: &str, previous: Option<&str>) -> Result<(), DiscoverError> {
        let problem = |offset: usize, problem: String| DiscoverError::Malformed {
            location: Location::at(path, text, offset),
            problem,
        };
        let names = match self.previous.value.as_str() {
            "-" => None,
            hash => Some(hash),
        };
        if names != previous {
            let expected = previous.unwrap_or("-");
            return Err(problem(
                self.previous.offset,
                format!(
                    "`--! Previous: {}` does not name the migration before it (`{expected}`); \
                     graphile-migrate refuses a chain whose links do not match: restore the \
                     committed migrations as graphile-migrate wrote them",
                    self.previous.value
                ),
            ));
        }
        let computed = hash(&text[self.body.clone()], previous);
        let valid = computed == self.hash.value;
        if !valid && !self.allow_invalid_hash {
            return Err(problem(
                self.hash.offset,
                format!(
                    "the body's hash is {computed}, not {}: the file was edited after it was \
                     committed, and graphile-migrate refuses it; restore it, or add `--! \
                     AllowInvalidHash` to its headers if the edit is intended",
                    self.hash.value
                ),
            ));
        }
        if valid && self.allow_invalid_hash {
            return Err(problem(
                self.hash.offset,
                "`--! AllowInvalidHash`, but the hash is valid; graphile-migrate refuses this: \
                 remove the header"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The body's first line is `--! no-transaction`.
    fn no_transaction(&self, text: &str) -> bool {
        let body = &text[self.body.clone()];
        let first = body.split('\n').next().unwrap_or_default();
        first
            .strip_prefix("--!")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix("no-transaction"))
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    }
}

/// `(key, value)` of a `--! Key: value` header line (`--! Key` alone: an empty value).
fn header_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("--! ")?;
    let end = rest
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(rest.len());
    let key = &rest[..end];
    if !key.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    match &rest[end..] {
        "" => Some((key, "")),
        after => Some((key, after.strip_prefix(':')?.trim())),
    }
}

/// graphile-migrate's hash of a migration body after `previous`:
/// `sha1:` + hex SHA-1 of `trim(previous + "\n" + trim(body)) + "\n"`.
pub(super) fn hash(body: &str, previous: Option<&str>) -> String {
    let joined = format!("{}\n{}", previous.unwrap_or_default(), body.trim());
    let input = format!("{}\n", joined.trim());
    format!("sha1:{}", sha1_hex(input.as_bytes()))
}

/// A committed migration as graphile-migrate's `commit` writes it.
pub(super) fn committed_text(body: &str, previous: Option<&str>) -> String {
    format!(
        "--! Previous: {}\n--! Hash: {}\n\n{}\n",
        previous.unwrap_or("-"),
        hash(body, previous),
        body.trim()
    )
}

/// The hash of the last committed migration, for `fix` to link a new one to.
pub(super) fn last_hash(migration: &Migration) -> Result<String, DiscoverError> {
    Ok(Committed::read(&migration.path, &migration.text)?
        .hash
        .value)
}

/// SHA-1 (FIPS 180-4) as lower-case hex: graphile-migrate's hash, and nothing else here needs it.
fn sha1_hex(data: &[u8]) -> String {
    let mut state: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = state;
        for (i, word) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*word);
            (e, d, c, b, a) = (d, c, b.rotate_left(30), a, t);
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d, e]) {
            *s = s.wrapping_add(v);
        }
    }
    state.iter().map(|s| format!("{s:08x}")).collect()
}

/// graphile-migrate's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE SCHEMA IF NOT EXISTS graphile_migrate;
CREATE TABLE IF NOT EXISTS graphile_migrate.migrations (
    hash text PRIMARY KEY,
    previous_hash text REFERENCES graphile_migrate.migrations,
    filename text NOT NULL,
    date timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS graphile_migrate.current (
    filename text PRIMARY KEY DEFAULT 'current.sql',
    content text NOT NULL,
    date timestamptz NOT NULL DEFAULT now()
);
";

/// `format = "graphile-migrate"`.
pub(super) struct GraphileMigrate;

impl Tool for GraphileMigrate {
    fn format(&self) -> Format {
        Format::GraphileMigrate
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("graphile-migrate", HISTORY))
    }

    fn discover(&self, dir: &Path, options: &Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir, options)
    }

    fn not_applied(&self, dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
        Ok(uncommitted(dir))
    }

    fn placeholders(
        &self,
        dir: &Path,
        options: &Options,
    ) -> Result<Option<Placeholders>, DiscoverError> {
        placeholders(dir, options).map(Some)
    }

    fn session_settings(&self, dir: &Path) -> Result<Vec<(String, String)>, DiscoverError> {
        gmrc::pg_settings(dir)
    }

    fn reads(&self, dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
        Ok(gmrc::find(dir)?.map(|s| s.path).into_iter().collect())
    }

    fn not_run(&self, dir: &Path) -> Result<Vec<String>, DiscoverError> {
        gmrc::commands_not_run(dir)
    }

    fn marks(&self, text: &str, _: bool) -> bool {
        has_header(text)
    }

    fn marked(&self, dir: &Path, _: &Shape) -> Result<Marked, DiscoverError> {
        let layout = "`path` is graphile-migrate's migrations folder, holding \
                      `committed/<number>.sql`: point `path` at the folder above `committed/`";
        Ok(Marked::when(dir.join(COMMITTED).is_dir(), layout))
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(1)
    }

    /// A `committed/` subdirectory.
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(listing.dir.join(COMMITTED).is_dir())
    }

    fn next_versions(&self, existing: &[Migration], count: usize, _: SystemTime) -> Vec<String> {
        let last = existing.last().map_or("0", |m| m.version.as_str());
        sequence(&format!("{last:0>6}"), count)
    }

    /// `committed/<number>-<name>.sql`, each linked to the one before by its hash.
    fn new_files(
        &self,
        dir: &Path,
        existing: &[Migration],
        new: &[NewFile<'_>],
    ) -> Result<Vec<Planned>, WriteError> {
        let mut last_hash = existing.last().map(last_hash).transpose()?;
        let planned = new.iter().map(|n| {
            let name = format!("{}-{}.sql", n.version, n.description);
            committed_file(dir, &mut last_hash, &name, n.migration)
        });
        Ok(planned.collect())
    }
}

/// A graphile-migrate committed migration called `name`, linked to the one before it by
/// `last_hash`; it creates `committed/` when graphile-migrate has not yet.
fn committed_file(
    dir: &Path,
    last_hash: &mut Option<String>,
    name: &str,
    migration: &NewMigration,
) -> Planned {
    let committed = dir.join(COMMITTED);
    let body = match migration.transaction {
        true => migration.sql.clone(),
        false => format!("--! no-transaction\n{}", migration.sql.trim()),
    };
    let text = committed_text(&body, last_hash.as_deref());
    *last_hash = Some(hash(&body, last_hash.as_deref()));
    let main = committed.join(name);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case::empty("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    #[case::abc("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    #[case::two_blocks(
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
    )]
    fn sha1_test_vectors(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(sha1_hex(input.as_bytes()), expected);
    }

    /// Computed independently (Node's crypto, as graphile-migrate's `calculateHash` does).
    #[test]
    fn hashes_as_graphile_migrate_does() {
        assert_eq!(
            hash("create table a (id int);\n", None),
            "sha1:42d573d5e881e52c4db4b8d53c7b1fe60d48fef0"
        );
        let first = hash("create table a (id int);\n", None);
        assert_eq!(
            hash("  select 1;\n\n", Some(&first)),
            "sha1:a6f198c9aad0994753e08feaaa7f898f0aac11b3"
        );
    }

    /// A committed chain of `bodies`, as graphile-migrate's `commit` writes it.
    fn chain(bodies: &[&str]) -> Vec<(String, String)> {
        let mut previous: Option<String> = None;
        bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let text = committed_text(body, previous.as_deref());
                previous = Some(hash(body, previous.as_deref()));
                (format!("committed/{:06}.sql", i + 1), text)
            })
            .collect()
    }

    fn fixture(files: &[(String, String)], extra: &[(&str, &str)]) -> Fixture {
        let mut all: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        all.extend_from_slice(extra);
        Fixture::new(&all)
    }

    #[test]
    fn committed_migrations_run_in_order_and_current_does_not() {
        let files = chain(&[
            "create table a ();",
            "--! no-transaction\ncreate index concurrently i on a ();",
        ]);
        let fixture = fixture(
            &files,
            &[
                ("current.sql", "drop table a;"),
                ("current/1-x.sql", "drop table a;"),
            ],
        );
        let migrations = discover(fixture.path(), &Options::default()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            ["committed/000001.sql", "committed/000002.sql"]
        );
        assert_eq!(
            Fixture::summary(&migrations),
            [("000001", "", true), ("000002", "", false)]
        );
        assert_eq!(migrations[0].sql(), "create table a ();");
        assert_eq!(migrations[1].statements().len(), 1);
        assert_eq!(uncommitted(fixture.path()).len(), 2);
    }

    #[test]
    fn messages_and_headers_are_read() {
        let body = "select 1;";
        let text = format!(
            "--! Previous: -\n--! Hash: {}\n--! Message: first one\n\n{body}\n",
            hash(body, None)
        );
        let fixture = Fixture::new(&[("committed/000001-first-one.sql", &text)]);
        let migrations = discover(fixture.path(), &Options::default()).unwrap();
        assert_eq!(
            Fixture::summary(&migrations),
            [("000001", "first-one", true)]
        );
    }

    #[test]
    fn no_committed_folder_is_an_empty_chain() {
        let fixture = Fixture::new(&[("current.sql", "select 1;")]);
        assert_eq!(discover(fixture.path(), &Options::default()).unwrap(), []);
    }

    /// Every refusal names the line of the ORIGINAL file.
    #[rstest]
    #[case::edited_body(1, |t: String| t.replace("create table a", "create table b"), 2, "edited after it was committed")]
    #[case::broken_link(2, |t: String| t.replace("--! Previous: sha1:", "--! Previous: sha1:0"), 1, "does not name the migration before it")]
    #[case::no_blank_line(1, |t: String| t.replacen("\n\n", "\n", 1), 3, "blank line")]
    #[case::crlf(1, |t: String| t.replacen("\n\n", "\n\r\n", 1), 3, "CRLF")]
    #[case::allowed_but_valid(1, |t: String| t.replacen("\n\n", "\n--! AllowInvalidHash\n\n", 1), 2, "hash is valid")]
    #[case::duplicate_header(1, |t: String| t.replacen("\n\n", "\n--! Hash: x\n\n", 1), 3, "second time")]
    fn refusals_name_the_line(
        #[case] which: usize,
        #[case] edit: fn(String) -> String,
        #[case] line: usize,
        #[case] message: &str,
    ) {
        let mut files = chain(&["create table a ();", "select 1;"]);
        files[which - 1].1 = edit(files[which - 1].1.clone());
        let fixture = fixture(&files, &[]);
        let error = discover(fixture.path(), &Options::default()).unwrap_err();
        let DiscoverError::Malformed { location, .. } = &error else {
            panic!("{error}");
        };
        assert!(location.path.ends_with(&files[which - 1].0), "{error}");
        assert_eq!((location.line, location.column), (line, 1), "{error}");
        assert!(error.to_string().contains(message), "{error}");
    }

    #[test]
    fn an_edit_allowed_by_its_header_is_applied() {
        let mut files = chain(&["create table a ();"]);
        files[0].1 = files[0]
            .1
            .replace("\n\n", "\n--! AllowInvalidHash\n\n")
            .replace("table a", "table b");
        let fixture = fixture(&files, &[]);
        let migrations = discover(fixture.path(), &Options::default()).unwrap();
        assert_eq!(migrations[0].sql(), "create table b ();");
    }

    #[rstest]
    #[case::letters_first("first.sql")]
    #[case::underscore_separator("000001_first.sql")]
    #[case::space("000001-a b.sql")]
    fn misnamed_committed_file_is_an_error(#[case] name: &str) {
        let path = format!("committed/{name}");
        let fixture = Fixture::new(&[(&path, "select 1;")]);
        let error = discover(fixture.path(), &Options::default()).unwrap_err();
        Fixture::assert_unexpected(&error, name);
    }

    proptest! {
        #[test]
        fn order_is_the_order_of_the_numbers(count in 1usize..8, widths in prop::collection::vec(1usize..7, 8)) {
            let mut previous: Option<String> = None;
            let mut files = Vec::new();
            for (i, width) in widths.iter().enumerate().take(count) {
                let body = format!("select {i};");
                let text = committed_text(&body, previous.as_deref());
                previous = Some(hash(&body, previous.as_deref()));
                let number = (i + 1) * 7;
                let width = (*width).max(number.to_string().len());
                files.push((format!("committed/{number:0width$}.sql"), text));
            }
            let fixture = fixture(&files, &[]);
            let migrations = discover(fixture.path(), &Options::default()).unwrap();
            let found: Vec<usize> = migrations.iter().map(|m| m.version.parse().unwrap()).collect();
            prop_assert_eq!(found, (1..=count).map(|i| i * 7).collect::<Vec<_>>());
        }
    }
}
