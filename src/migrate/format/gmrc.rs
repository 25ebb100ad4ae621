//! graphile-migrate's settings file, `.gmrc`: what it says about applying a chain from scratch.
//!
//! graphile-migrate reads `.gmrc` (JSON5) in the directory it runs from, whose `migrationsFolder`
//! (default `./migrations`) is the chain's folder; here that is the nearest `.gmrc` above `path`
//! (or in it) whose `migrationsFolder` is `path`. A `.gmrc.js` is JavaScript and is not read.
//!
//! Read from it: `placeholders` (see [`crate::migrate::placeholders`]), `pgSettings` (set with
//! `set_config` in the session the migrations run in, as graphile-migrate sets them) and
//! `afterReset`, the
//! actions `graphile-migrate reset` runs on the new, empty database before the committed
//! migrations. An action is a file name, relative to the migrations folder (`!` in front runs it
//! as the superuser, as everything here runs), `{ "_": "sql", "file": ... }`, or
//! `{ "_": "command", "command": ... }`; one with `"shadow": true` runs only on the shadow
//! database and is left out. SQL files become the first migrations of the chain, each sent as
//! graphile-migrate sends it (one query: its statements in one transaction), placeholders
//! replaced. Commands are not run: the run's header names them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{DiscoverError, json5, read_text};
use crate::location::Location;
use crate::migrate::migration::Migration;
use crate::sql::placeholder;
use crate::sql::statements;

/// The settings file's name.
const GMRC: &str = ".gmrc";

/// `.gmrc`, as far as applying a chain goes.
pub(super) struct Settings {
    pub path: PathBuf,
    pub placeholders: Vec<(String, String)>,
    /// `pgSettings`: set in the session before the migrations run (`set_config`).
    pub pg_settings: Vec<(String, String)>,
    after_reset: Vec<Action>,
}

/// One `afterReset` action that runs on the main database.
enum Action {
    Sql { file: String, at: Location },
    Command(String),
}

/// The `.gmrc` whose migrations folder is `dir`, if any.
pub(super) fn find(dir: &Path) -> Result<Option<Settings>, DiscoverError> {
    let target = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    for candidate in target.ancestors() {
        let path = candidate.join(GMRC);
        if !path.is_file() {
            continue;
        }
        let text = read_text(&path)?;
        let value = json5::parse(&text).map_err(|e| DiscoverError::Malformed {
            location: Location::at(&path, &text, e.offset),
            problem: format!(
                "{}; graphile-migrate reads .gmrc as JSON5 and refuses this",
                e.message
            ),
        })?;
        let folder = match value.get("migrationsFolder") {
            Some(Value::String(folder)) => folder.as_str(),
            _ => "./migrations",
        };
        let folder = candidate.join(folder);
        if folder.canonicalize().unwrap_or(folder) == target {
            return read(path, &text, &value).map(Some);
        }
    }
    Ok(None)
}

/// The settings of `.gmrc` at `path` (`text`, parsed as `value`).
fn read(path: PathBuf, text: &str, value: &Value) -> Result<Settings, DiscoverError> {
    let problem = |needle: &str, problem: String| DiscoverError::Malformed {
        location: Location::at(&path, text, text.find(needle).unwrap_or(0)),
        problem,
    };
    let found = placeholders_in(value, &problem)?;
    let pg_settings = pg_settings_in(value, &problem)?;
    let after_reset = actions(value.get("afterReset"), &|needle, why| problem(needle, why))?;
    Ok(Settings {
        path: path.clone(),
        placeholders: found,
        pg_settings,
        after_reset: after_reset
            .into_iter()
            .map(|action| match action {
                Parsed::Sql(file) => Action::Sql {
                    at: Location::at(&path, text, text.find(&file).unwrap_or(0)),
                    file,
                },
                Parsed::Command(command) => Action::Command(command),
            })
            .collect(),
    })
}

/// `.gmrc`'s `placeholders`, named and valued as graphile-migrate requires.
fn placeholders_in(
    value: &Value,
    problem: &Problem<'_>,
) -> Result<Vec<(String, String)>, DiscoverError> {
    let map = match value.get("placeholders") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(map)) => map,
        Some(_) => {
            let why = "`placeholders` must be an object, as graphile-migrate requires".into();
            return Err(problem("placeholders", why));
        }
    };
    let mut found = Vec::new();
    for (name, value) in map {
        if !placeholder::is_name(name) {
            let why = format!(
                "placeholder `{name}`: graphile-migrate refuses a name that is not `:` \
                 then capitals, digits or `_` (`:DATABASE_VISITOR`)"
            );
            return Err(problem(name, why));
        }
        let Value::String(value) = value else {
            let why = format!("placeholder `{name}`: graphile-migrate wants a string");
            return Err(problem(name, why));
        };
        found.push((name.clone(), value.clone()));
    }
    Ok(found)
}

/// `.gmrc`'s `pgSettings`, each a string or a number.
fn pg_settings_in(
    value: &Value,
    problem: &Problem<'_>,
) -> Result<Vec<(String, String)>, DiscoverError> {
    let Some(Value::Object(map)) = value.get("pgSettings") else {
        return Ok(Vec::new());
    };
    let mut pg_settings = Vec::new();
    for (name, value) in map {
        let value = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            _ => {
                let why = format!("pgSettings `{name}`: graphile-migrate wants a string");
                return Err(problem(name, why));
            }
        };
        pg_settings.push((name.clone(), value));
    }
    Ok(pg_settings)
}

/// An action as written.
enum Parsed {
    Sql(String),
    Command(String),
}

type Problem<'a> = dyn Fn(&str, String) -> DiscoverError + 'a;

/// The actions graphile-migrate runs, as a message lists them.
const FORMS: &str = r#"a file name, {"_": "sql", "file": ...} or {"_": "command", "command": ...}"#;

/// The `afterReset` actions that run on the main database, as graphile-migrate validates them.
fn actions(value: Option<&Value>, problem: &Problem<'_>) -> Result<Vec<Parsed>, DiscoverError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    };
    let mut found = Vec::new();
    for item in items {
        if let Value::String(file) = &item {
            found.push(Parsed::Sql(file.trim_start_matches('!').to_string()));
            continue;
        }
        let Value::Object(spec) = &item else {
            let why = "an afterReset action must be a file name or an object with `_`".into();
            return Err(problem("afterReset", why));
        };
        if spec.get("shadow") == Some(&Value::Bool(true)) {
            continue;
        }
        let field = |key: &str| spec.get(key).and_then(Value::as_str);
        match (field("_"), field("file"), field("command")) {
            (Some("sql"), Some(file), _) => found.push(Parsed::Sql(file.to_string())),
            (Some("command") | None, _, Some(command)) => {
                found.push(Parsed::Command(command.to_string()))
            }
            _ => {
                let why =
                    format!("afterReset action {item} is not one graphile-migrate runs: {FORMS}");
                return Err(problem("afterReset", why));
            }
        }
    }
    Ok(found)
}

/// The SQL files of `.gmrc`'s `afterReset` for the chain in `dir`, as the first migrations.
pub(super) fn after_reset(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let Some(settings) = find(dir)? else {
        return Ok(Vec::new());
    };
    let mut migrations = Vec::new();
    for action in settings.after_reset {
        let Action::Sql { file, at } = action else {
            continue;
        };
        let path = dir.join(&file);
        if !path.is_file() {
            return Err(DiscoverError::ListedFileMissing {
                location: at,
                entry: file,
                path,
            });
        }
        let text = read_text(&path)?;
        // One query: its statements share one implicit transaction, and a statement that
        // refuses a transaction block runs only when it is alone.
        let split = statements::split(&text);
        let alone_and_refusing =
            split.len() == 1 && statements::refuses_transaction(&text[split[0].range.clone()]);
        migrations.push(Migration {
            description: file,
            transaction: !alone_and_refusing,
            ..Migration::new(path, text)
        });
    }
    Ok(migrations)
}

/// `.gmrc`'s `pgSettings` for the chain in `dir`.
pub(super) fn pg_settings(dir: &Path) -> Result<Vec<(String, String)>, DiscoverError> {
    Ok(find(dir)?.map(|s| s.pg_settings).unwrap_or_default())
}

/// The `afterReset` commands of the chain in `dir`, which this run does not run, as sentences.
pub(super) fn commands_not_run(dir: &Path) -> Result<Vec<String>, DiscoverError> {
    let Some(settings) = find(dir)? else {
        return Ok(Vec::new());
    };
    Ok(settings
        .after_reset
        .iter()
        .filter_map(|action| match action {
            Action::Command(command) => Some(format!(
                "graphile-migrate runs the afterReset command `{command}` ({}) before the \
                 committed migrations; this run does not: if the chain needs what it creates, \
                 create it in a `before` file",
                crate::location::relative(&settings.path).display()
            )),
            Action::Sql { .. } => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use crate::spec::Format;
    use std::fs;

    const GMRC_TEXT: &str = r#"/* settings */
{
  pgSettings: { search_path: "app,public", work_mem: 65536 },
  "placeholders": {
    ":DATABASE_VISITOR": "!ENV", // from the environment
  },
  "afterReset": [
    "!afterReset.sql",
    { "_": "sql", "file": "grants.sql" },
    { "_": "command", "command": "yarn worker install-db-schema" },
    { "_": "command", "shadow": true, "command": "dump" },
  ],
}
"#;

    fn project() -> Fixture {
        let fixture = Fixture::new(&[
            (
                "afterReset.sql",
                "CREATE SCHEMA app;\nCREATE TABLE app.a ();\n",
            ),
            (
                "grants.sql",
                "CREATE INDEX CONCURRENTLY i ON app.a ((1));\n",
            ),
            ("committed/", ""),
        ]);
        fs::write(fixture.path().parent().unwrap().join(GMRC), GMRC_TEXT).unwrap();
        fixture
    }

    #[test]
    fn reads_placeholders_and_after_reset() {
        let fixture = project();
        let settings = find(fixture.path()).unwrap().unwrap();
        assert_eq!(
            settings.placeholders,
            [(":DATABASE_VISITOR".to_string(), "!ENV".to_string())]
        );
        assert_eq!(
            settings.pg_settings,
            [
                ("search_path".to_string(), "app,public".to_string()),
                ("work_mem".to_string(), "65536".to_string())
            ]
        );
        let migrations = after_reset(fixture.path()).unwrap();
        assert_eq!(fixture.order(&migrations), ["afterReset.sql", "grants.sql"]);
        assert_eq!(
            migrations.iter().map(|m| m.transaction).collect::<Vec<_>>(),
            [true, false]
        );
        let commands = commands_not_run(fixture.path()).unwrap();
        assert_eq!(commands.len(), 1, "{commands:?}");
        assert!(commands[0].contains("yarn worker install-db-schema"));
    }

    #[test]
    fn the_gmrc_is_a_file_the_chain_is_read_from() {
        let fixture = project();
        let files = super::super::read_from(Format::GraphileMigrate, fixture.path()).unwrap();
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].ends_with(GMRC), "{files:?}");
    }

    #[test]
    fn a_gmrc_for_another_folder_is_not_this_chains() {
        let fixture = project();
        let gmrc = fixture.path().parent().unwrap().join(GMRC);
        fs::write(&gmrc, "{ migrationsFolder: 'db/migrations' }").unwrap();
        assert!(find(fixture.path()).unwrap().is_none());
    }

    #[test]
    fn a_missing_after_reset_file_is_named_with_its_entry() {
        let fixture = project();
        fs::remove_file(fixture.path().join("grants.sql")).unwrap();
        let error = after_reset(fixture.path()).unwrap_err();
        let text = error.to_string();
        assert!(text.contains(".gmrc:9:"), "{text}");
        assert!(text.contains("grants.sql"), "{text}");
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let fixture = project();
        let gmrc = fixture.path().parent().unwrap().join(GMRC);
        fs::write(
            &gmrc,
            "{\n  \"placeholders\": {\n    \":A\" \"b\"\n  }\n}\n",
        )
        .unwrap();
        let error = find(fixture.path()).err().unwrap();
        assert!(error.to_string().contains(".gmrc:3:10"), "{error}");
    }
}
