//! graphile-migrate's placeholders: `:NAME` words of a migration replaced by text before it is
//! sent, as graphile-migrate replaces them.
//!
//! graphile-migrate builds one regular expression of its placeholder names followed by `\b` and
//! replaces every match in the migration's body, in strings and comments too, with the value
//! (an empty value with nothing). So a placeholder is `:` and a whole word (ASCII letters,
//! digits, `_`) that is a known name. The values: `.gmrc`'s `placeholders` (a value `"!ENV"`
//! read from the environment variable of the name without its `:`; unset or empty, graphile-
//! migrate refuses to start), then the built-in `:DATABASE_NAME` and `:DATABASE_OWNER` (here
//! the run's database and its owner, known once connected), then `[migrations] placeholders`
//! of pg-invariants.toml over all of them.
//!
//! A placeholder-shaped word that is no known name reaches PostgreSQL as it is, a syntax error
//! that says nothing of the cause. It is an error naming the name and where it is instead, when
//! it stands where PostgreSQL parses it (in the SQL itself or a dollar-quoted body, not in a
//! comment or a quoted string, where it is text) and not after `:`, a word or a bracket (a cast
//! `::TEXT` or an array slice `a[1:N]`).

use std::ops::Range;

use crate::sql::placeholder::is_name;
use crate::sql::statements;

/// The built-in names, set by graphile-migrate itself.
pub const DATABASE_NAME: &str = ":DATABASE_NAME";
pub const DATABASE_OWNER: &str = ":DATABASE_OWNER";

/// The value graphile-migrate reads from the environment.
const FROM_ENV: &str = "!ENV";

/// What a placeholder is replaced with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Text(String),
    /// The name of the database the chain runs in.
    DatabaseName,
    /// The owner of that database.
    DatabaseOwner,
}

/// A placeholder whose value cannot be had.
#[derive(Debug, thiserror::Error)]
#[error(
    "placeholder `{name}` ({origin}) is \"!ENV\", read from the environment variable {variable}, \
     which is not set; graphile-migrate refuses to run without it: set {variable}, or give \
     `{name}` a value in `placeholders` of the [migrations] section of pg-invariants.toml"
)]
pub struct UnsetVariable {
    pub name: String,
    pub variable: String,
    pub origin: String,
}

/// The placeholders of a chain and their values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Placeholders {
    values: Vec<(String, Value)>,
}

/// The run's database and its owner, for the built-in placeholders.
#[derive(Debug, Clone)]
pub struct Database {
    pub name: String,
    pub owner: String,
}

impl Placeholders {
    /// The values of graphile-migrate's placeholders: `gmrc`'s (read from `origin`), the
    /// built-in ones, then `project`'s over them. `"!ENV"` values are read from the environment.
    pub fn resolve(
        gmrc: &[(String, String)],
        origin: &str,
        project: &[(String, String)],
    ) -> Result<Self, UnsetVariable> {
        let mut values: Vec<(String, Value)> = Vec::new();
        let mut set = |name: &str, value: Value| {
            values.retain(|(n, _)| n != name);
            values.push((name.to_string(), value));
        };
        // One the project file sets needs no environment variable.
        let overridden = |name: &str| project.iter().any(|(n, _)| n == name);
        for (name, value) in gmrc.iter().filter(|(name, _)| !overridden(name)) {
            set(name, from_env(name, value, origin)?);
        }
        set(DATABASE_NAME, Value::DatabaseName);
        set(DATABASE_OWNER, Value::DatabaseOwner);
        for (name, value) in project {
            let origin = "[migrations] placeholders of pg-invariants.toml";
            set(name, from_env(name, value, origin)?);
        }
        values.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self { values })
    }

    fn value(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The names, for a message.
    pub fn names(&self) -> Vec<&str> {
        self.values.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The first placeholder-shaped word of `text[range]` that is no known name and stands where
    /// PostgreSQL parses it (see the module documentation): its offset in `text`, and the word.
    pub fn unknown<'t>(&self, text: &'t str, range: Range<usize>) -> Option<(usize, &'t str)> {
        let body = &text[range.clone()];
        let parsed = statements::parsed_ranges(body);
        let in_parsed = |at: usize| parsed.iter().any(|r| r.contains(&at));
        words(body)
            .filter(|(at, word)| is_name(word) && self.value(word).is_none() && in_parsed(*at))
            .find(|(at, _)| {
                let before = body[..*at].chars().next_back();
                !before.is_some_and(|c| c == ':' || c == ']' || c == ')' || is_word_char(c))
            })
            .map(|(at, word)| (range.start + at, word))
    }

    /// `sql` with every placeholder replaced, as graphile-migrate replaces them.
    pub fn substitute(&self, sql: &str, database: &Database) -> Substituted {
        let mut out = String::with_capacity(sql.len());
        let mut edits = Vec::new();
        let mut copied = 0;
        for (at, word) in words(sql) {
            let Some(value) = self.value(word) else {
                continue;
            };
            let text = match value {
                Value::Text(text) => text.as_str(),
                Value::DatabaseName => database.name.as_str(),
                Value::DatabaseOwner => database.owner.as_str(),
            };
            out.push_str(&sql[copied..at]);
            edits.push(Edit {
                at: out.len(),
                original: at,
                from: word.len(),
                to: text.len(),
            });
            out.push_str(text);
            copied = at + word.len();
        }
        out.push_str(&sql[copied..]);
        Substituted { sql: out, edits }
    }
}

/// The value of `name` as given: `"!ENV"` read from the environment variable of the name
/// without its `:`.
fn from_env(name: &str, value: &str, origin: &str) -> Result<Value, UnsetVariable> {
    if value != FROM_ENV {
        return Ok(Value::Text(value.to_string()));
    }
    let variable = name.trim_start_matches(':');
    crate::env::named(variable)
        .map(Value::Text)
        .ok_or_else(|| UnsetVariable {
            name: name.to_string(),
            variable: variable.to_string(),
            origin: origin.to_string(),
        })
}

/// A word character of JavaScript's `\b` (graphile-migrate's regular expression).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every `:word` of `text` (the word whole): its offset and text, `:` included.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices(':').filter_map(move |(at, _)| {
        let rest = &text[at + 1..];
        let len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        (len > 0).then(|| (at, &text[at..at + 1 + len]))
    })
}

/// One replacement: at `at` of the new text, `from` bytes at `original` became `to` bytes.
#[derive(Debug, Clone, Copy)]
struct Edit {
    at: usize,
    original: usize,
    from: usize,
    to: usize,
}

/// SQL after replacement, with what maps its offsets back to the original's.
#[derive(Debug, Clone)]
pub struct Substituted {
    pub sql: String,
    edits: Vec<Edit>,
}

impl Substituted {
    /// The offset in the original text of `offset` in the replaced one (inside a replaced
    /// value: where the placeholder starts).
    pub fn original(&self, offset: usize) -> usize {
        let Some(edit) = self.edits.iter().rev().find(|e| e.at <= offset) else {
            return offset;
        };
        if offset < edit.at + edit.to {
            return edit.original;
        }
        edit.original + edit.from + (offset - edit.at - edit.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn placeholders(project: &[(&str, &str)]) -> Placeholders {
        let gmrc = vec![(":DATABASE_VISITOR".to_string(), "visitor".to_string())];
        let project: Vec<(String, String)> = project
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Placeholders::resolve(&gmrc, ".gmrc", &project).unwrap()
    }

    fn database() -> Database {
        Database {
            name: "db_1".into(),
            owner: "postgres".into(),
        }
    }

    #[rstest]
    #[case::known_names(
        "GRANT ALL ON DATABASE :DATABASE_NAME TO :DATABASE_OWNER, :DATABASE_VISITOR;",
        "GRANT ALL ON DATABASE db_1 TO postgres, visitor;"
    )]
    #[case::in_strings_and_comments_too(
        "SELECT ':DATABASE_OWNER'; -- :DATABASE_VISITOR",
        "SELECT 'postgres'; -- visitor"
    )]
    #[case::whole_words_only(
        "SELECT :DATABASE_OWNERS, :DATABASE_OWNER_2;",
        "SELECT :DATABASE_OWNERS, :DATABASE_OWNER_2;"
    )]
    #[case::after_a_colon("SELECT 1::DATABASE_OWNER;", "SELECT 1:postgres;")]
    fn replaces_as_graphile_migrate_does(#[case] sql: &str, #[case] expected: &str) {
        assert_eq!(placeholders(&[]).substitute(sql, &database()).sql, expected);
    }

    #[test]
    fn the_project_file_wins_over_gmrc_and_the_built_ins() {
        let p = placeholders(&[(":DATABASE_OWNER", "app"), (":DATABASE_VISITOR", "")]);
        let sql = "GRANT x TO :DATABASE_OWNER;:DATABASE_VISITOR";
        assert_eq!(p.substitute(sql, &database()).sql, "GRANT x TO app;");
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let sql = "GRANT :DATABASE_VISITOR TO :DATABASE_OWNER; SELECT bad";
        let replaced = placeholders(&[]).substitute(sql, &database());
        let bad = replaced.sql.find("bad").unwrap();
        assert_eq!(replaced.original(bad), sql.find("bad").unwrap());
        let inside = replaced.sql.find("postgres").unwrap() + 3;
        assert_eq!(
            replaced.original(inside),
            sql.find(":DATABASE_OWNER").unwrap()
        );
        assert_eq!(replaced.original(2), 2);
    }

    #[rstest]
    #[case::in_sql("GRANT ALL ON t TO :APP_ROLE;", Some(":APP_ROLE"))]
    #[case::in_a_function_body("DO $$ BEGIN EXECUTE 'x' || :APP_ROLE; END $$;", Some(":APP_ROLE"))]
    #[case::in_a_string("SELECT 'a :APP_ROLE';", None)]
    #[case::in_a_comment("-- :APP_ROLE\nSELECT 1;", None)]
    #[case::a_cast("SELECT 1::TEXT;", None)]
    #[case::a_slice("SELECT a[1:MAX_N] FROM t;", None)]
    #[case::lower_case("SELECT :app_role;", None)]
    #[case::plpgsql_assignment("DO $$ DECLARE x int; BEGIN x :=1; END $$;", None)]
    #[case::known("GRANT x TO :DATABASE_VISITOR;", None)]
    fn unknown_placeholders(#[case] sql: &str, #[case] expected: Option<&str>) {
        let text = format!("--! header\n\n{sql}");
        let found = placeholders(&[]).unknown(&text, 12..text.len());
        assert_eq!(found.map(|(_, w)| w), expected);
        if let Some((at, word)) = found {
            assert_eq!(&text[at..at + word.len()], word);
        }
    }

    #[test]
    fn an_env_placeholder_the_project_sets_reads_no_variable() {
        let name = ":PG_INVARIANTS_TEST_SURELY_UNSET";
        let gmrc = vec![(name.to_string(), "!ENV".to_string())];
        let project = vec![(name.to_string(), "visitor".to_string())];
        let p = Placeholders::resolve(&gmrc, ".gmrc", &project).unwrap();
        assert_eq!(p.substitute(name, &database()).sql, "visitor");
    }

    #[test]
    fn an_unset_variable_is_named() {
        let gmrc = vec![(
            ":PG_INVARIANTS_TEST_SURELY_UNSET".to_string(),
            "!ENV".to_string(),
        )];
        let error = Placeholders::resolve(&gmrc, "db/.gmrc", &[]).unwrap_err();
        assert_eq!(error.variable, "PG_INVARIANTS_TEST_SURELY_UNSET");
        assert!(error.to_string().contains("db/.gmrc"), "{error}");
    }
}
