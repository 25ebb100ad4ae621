//! `sqitch`: `sqitch.plan` lists the changes in deploy order, `deploy/<change>.sql` deploys each;
//! `revert/<change>.sql` (found as the deploy script is, `revert/<change>@<tag>.sql` for a
//! reworked instance) is the change's Down part ([`Migration::down`]), never run by the chain,
//! run through psql as a deploy script is; `verify/` is never read.
//!
//! The plan is read as sqitch's own parser (`App::Sqitch::Plan`) reads it: pragmas (`%project`
//! required) up to the first blank line, then one change or `@tag` per line with an optional
//! `[dependencies]` list, a timestamp and a planner, `#` starting a note. A change may require
//! only changes planned before it (conflicts `!name` and other projects' changes are not
//! checked); a name used twice with no tag between them, a tag without a change before it and a
//! line without timestamp or planner are errors, as they are for sqitch.
//!
//! A change planned again after a tag is a reworked change: its latest instance deploys
//! `deploy/<name>.sql`, each earlier one `deploy/<name>@<tag>.sql`, the tag being the first of
//! the tags between that instance and the next (the latest first, then the instance's own) whose
//! file exists, else the first of them, exactly as sqitch picks it.
//!
//! Where the plan and the scripts are is read from `sqitch.conf` in `path` (the directory sqitch
//! runs in) as sqitch reads it ([`conf`]): `top_dir`, `plan_file`, `deploy_dir`,
//! `reworked_dir`, `reworked_deploy_dir`, `extension`; without it, sqitch's defaults.
//!
//! sqitch runs each script with `psql -f` and `ON_ERROR_STOP=1`, without a transaction of its
//! own, in a psql session of its own; so does the chain here (`crate::migrate::psql`): every
//! migration is marked outside a transaction ([`Migration::transaction`] false), and psql
//! itself honours the script's meta-commands and variables.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::tool::{Marked, Shape, Tool, atlas_sum_for};
use super::write::{
    Created, DOWN, NewFile, NewMigration, Planned, WriteError, appended, index, iso_timestamp,
    timestamps,
};
use super::{DiscoverError, Format, Options, atlas, down_file, lines, read_text};
use crate::location::Location;
use crate::migrate::migration::Migration;

pub mod conf;

pub use conf::Layout;

/// The plan, in the chain's directory unless `sqitch.conf` says otherwise.
pub(super) const PLAN: &str = "sqitch.plan";

/// The directory of the deploy scripts, beside the plan unless `sqitch.conf` says otherwise.
pub(super) const DEPLOY: &str = "deploy";

/// The layout of the sqitch project that runs from `dir`, which must exist: an error naming
/// what is missing otherwise.
pub fn layout(dir: &Path) -> Result<Layout, DiscoverError> {
    let layout = Layout::of(dir)?;
    if !layout.exists() {
        return Err(DiscoverError::Layout {
            path: dir.to_path_buf(),
            problem: layout.problem(),
        });
    }
    Ok(layout)
}

/// One planned change.
#[derive(Debug)]
struct Change {
    name: String,
    /// Byte offset of the change's line in the plan.
    offset: usize,
    /// The tags declared right after this change.
    tags: Vec<String>,
    /// For an instance reworked later: the tags that may name its script (see the module
    /// documentation), in the order sqitch tries them.
    rework_tags: Vec<String>,
}

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let layout = Layout::of(dir)?;
    let plan_path = &layout.plan;
    if !plan_path.is_file() {
        return Err(DiscoverError::Layout {
            path: dir.to_path_buf(),
            problem: layout.problem(),
        });
    }
    let text = read_text(plan_path)?;
    let changes = parse(plan_path, &text)?;
    changes
        .iter()
        .map(|change| {
            let path = script(change, &layout.deploy, &layout.reworked_deploy, &layout);
            if !path.is_file() {
                return Err(DiscoverError::ListedFileMissing {
                    location: Location::at(plan_path, &text, change.offset),
                    entry: change.name.clone(),
                    path,
                });
            }
            deployed(change, path, &layout)
        })
        .collect()
}

/// The change whose deploy script is at `path`, as sqitch runs it (psql, no transaction of
/// its own), its revert script its Down part, run the same way.
fn deployed(change: &Change, path: PathBuf, layout: &Layout) -> Result<Migration, DiscoverError> {
    let text = read_text(&path)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut migration = Migration {
        version: stem,
        description: change.name.clone(),
        transaction: false,
        ..Migration::new(path, text)
    };
    let revert = script(change, &layout.revert, &layout.reworked_revert, layout);
    let down = down_file(&migration, revert)?.map(|down| Migration {
        transaction: false,
        ..down
    });
    migration.down = down.map(Box::new);
    Ok(migration)
}

/// The deploy or revert script of `change` (`dir` holding the scripts, `reworked` those of
/// reworked instances): `<name>.sql` in `dir`, or `<name>@<tag>.sql` in `reworked` for a
/// reworked instance (`sql` being the configured extension).
fn script(change: &Change, dir: &Path, reworked: &Path, layout: &Layout) -> PathBuf {
    let ext = &layout.extension;
    let candidates: Vec<PathBuf> = change
        .rework_tags
        .iter()
        .map(|tag| reworked.join(format!("{}@{tag}.{ext}", change.name)))
        .collect();
    match candidates.iter().find(|path| path.is_file()) {
        Some(found) => found.clone(),
        None => candidates
            .into_iter()
            .next()
            .unwrap_or_else(|| dir.join(format!("{}.{ext}", change.name))),
    }
}

/// The changes of the plan at `path` (holding `text`), in order.
fn parse(path: &Path, text: &str) -> Result<Vec<Change>, DiscoverError> {
    let mut plan = Plan {
        path,
        text,
        changes: Vec::new(),
        since_tag: 0,
        tags_seen: Vec::new(),
    };
    let mut body = lines(text);
    let project = plan.pragmas(&mut body)?;
    for (offset, line) in body {
        let content = without_note(line).trim();
        if content.is_empty() {
            continue;
        }
        let column = offset + (line.len() - line.trim_start().len());
        let entry = PlanLine::parse(content).map_err(|message| plan.error(column, message))?;
        match entry.name.strip_prefix('@') {
            Some(tag) => plan.tag(tag, &entry, column)?,
            None => plan.change(&project, &entry, column)?,
        }
    }
    Ok(plan.changes)
}

/// A plan being read: its changes so far, and the tags declared.
struct Plan<'a> {
    path: &'a Path,
    text: &'a str,
    changes: Vec<Change>,
    /// Index in `changes` of the first change after the last tag.
    since_tag: usize,
    tags_seen: Vec<String>,
}

impl Plan<'_> {
    fn error(&self, offset: usize, message: String) -> DiscoverError {
        DiscoverError::InvalidPlan {
            location: Location::at(self.path, self.text, offset),
            message,
        }
    }

    /// The pragmas, up to the first blank line: the `%project` name.
    fn pragmas<'t>(
        &self,
        body: &mut impl Iterator<Item = (usize, &'t str)>,
    ) -> Result<String, DiscoverError> {
        let mut project = None;
        for (offset, line) in body {
            let content = without_note(line);
            if content.trim().is_empty() {
                if line.trim().is_empty() {
                    break;
                }
                continue;
            }
            let Some(pragma) = content.trim().strip_prefix('%') else {
                return Err(self.error(
                    offset,
                    "invalid pragma; a blank line must come between pragmas and changes".into(),
                ));
            };
            if let Some(("project", value)) =
                pragma.split_once('=').map(|(k, v)| (k.trim(), v.trim()))
            {
                project = Some(value.to_string());
            }
        }
        project.ok_or_else(|| self.error(0, "missing %project pragma".into()))
    }

    /// A tag line: it tags the change before it.
    fn tag(&mut self, tag: &str, entry: &PlanLine<'_>, column: usize) -> Result<(), DiscoverError> {
        if entry.dependencies.is_some() {
            return Err(self.error(column, "tags may not specify dependencies".into()));
        }
        if self.changes.is_empty() {
            return Err(self.error(
                column,
                format!("tag \"{tag}\" declared without a preceding change"),
            ));
        }
        if self.tags_seen.iter().any(|t| t == tag) {
            return Err(self.error(column, format!("tag \"{tag}\" is declared twice")));
        }
        self.tags_seen.push(tag.to_string());
        if let Some(last) = self.changes.last_mut() {
            last.tags.push(tag.to_string());
        }
        self.since_tag = self.changes.len();
        Ok(())
    }

    /// A change line: a new change, or a rework of an earlier one.
    fn change(
        &mut self,
        project: &str,
        entry: &PlanLine<'_>,
        column: usize,
    ) -> Result<(), DiscoverError> {
        let name = entry.name.trim_start_matches(['+', '-']).trim_start();
        let changes = &self.changes;
        if let Some(earlier) = changes[self.since_tag..].iter().find(|c| c.name == name) {
            let (line, _) = crate::location::line_col(self.text, earlier.offset);
            return Err(self.error(
                column,
                format!("change \"{name}\" duplicates its declaration on line {line}"),
            ));
        }
        for dependency in entry.dependencies.unwrap_or_default().split_whitespace() {
            if let Some(required) = local_requirement(project, dependency)
                && !changes.iter().any(|c| c.name == required)
            {
                return Err(self.error(
                    column,
                    format!(
                        "change \"{name}\" requires \"{required}\", which the plan does not \
                         deploy before it"
                    ),
                ));
            }
        }
        if let Some(index) = changes.iter().rposition(|c| c.name == name) {
            let mut rework_tags: Vec<String> = changes[index + 1..]
                .iter()
                .rev()
                .flat_map(|c| c.tags.iter().cloned())
                .collect();
            rework_tags.extend(changes[index].tags.iter().cloned());
            self.changes[index].rework_tags = rework_tags;
        }
        self.changes.push(Change {
            name: name.to_string(),
            offset: column,
            tags: Vec::new(),
            rework_tags: Vec::new(),
        });
        Ok(())
    }
}

/// The change of this project that `dependency` requires, if it is one sqitch checks: not a
/// conflict (`!name`), not another project's (`other:name`), not a change id, not a tag alone.
fn local_requirement<'a>(project: &str, dependency: &'a str) -> Option<&'a str> {
    if dependency.starts_with('!') {
        return None;
    }
    let local = match dependency.split_once(':') {
        Some((other, _)) if other != project => return None,
        Some((_, local)) => local,
        None => dependency,
    };
    let change = local.split('@').next().unwrap_or_default();
    let is_id = change.len() == 40 && change.bytes().all(|b| b.is_ascii_hexdigit());
    (!change.is_empty() && !is_id).then_some(change)
}

/// `line` without its `# note` and line break.
fn without_note(line: &str) -> &str {
    let line = line.trim_end_matches(['\n', '\r']);
    line.split_once('#').map_or(line, |(before, _)| before)
}

/// A change or tag line: `name [deps] 2024-01-01T00:00:00Z Planner <email>`.
struct PlanLine<'a> {
    name: &'a str,
    dependencies: Option<&'a str>,
}

impl<'a> PlanLine<'a> {
    fn parse(content: &'a str) -> Result<Self, String> {
        let (name, rest) = content
            .split_once(char::is_whitespace)
            .unwrap_or((content, ""));
        let name = match name {
            "+" | "-" => {
                let (name, more) = rest
                    .trim_start()
                    .split_once(char::is_whitespace)
                    .ok_or("missing timestamp and planner name and email".to_string())?;
                return Self::after_name(name, more);
            }
            name => name,
        };
        Self::after_name(name, rest)
    }

    fn after_name(name: &'a str, rest: &'a str) -> Result<Self, String> {
        let bare = name.trim_start_matches(['@', '+', '-']);
        if bare.is_empty() || bare.contains([':', '@', '#', '\\', '[', ']']) {
            return Err(format!("invalid name \"{name}\""));
        }
        let mut rest = rest.trim_start();
        let mut dependencies = None;
        if let Some(list) = rest.strip_prefix('[') {
            let (inside, after) = list
                .split_once(']')
                .ok_or("unclosed dependency list `[`".to_string())?;
            dependencies = Some(inside);
            rest = after.trim_start();
        }
        let (timestamp, planner) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if !is_timestamp(timestamp) {
            return Err("missing timestamp (YYYY-MM-DDTHH:MM:SSZ)".into());
        }
        let planner = planner.trim();
        let has_email = planner
            .find('<')
            .is_some_and(|open| open > 0 && planner.ends_with('>'));
        if !has_email {
            return Err("missing planner name and email (`Name <email>`)".into());
        }
        Ok(Self { name, dependencies })
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn is_timestamp(word: &str) -> bool {
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    word.len() == shape.len()
        && word.bytes().zip(shape).all(|(b, s)| match s {
            b'd' => b.is_ascii_digit(),
            s => b == *s,
        })
}

/// `format = "sqitch"`.
pub(super) struct Sqitch;

impl Tool for Sqitch {
    fn format(&self) -> Format {
        Format::Sqitch
    }

    fn discover(&self, dir: &Path, _: &Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn has_down_parts(&self) -> bool {
        true
    }

    fn marker_files(&self) -> &'static [&'static str] {
        &[PLAN, conf::FILE]
    }

    fn chain_files(&self) -> &'static [&'static str] {
        &[
            "sqitch.conf",
            "sqitch.plan",
            "db/sqitch.conf",
            "db/sqitch.plan",
        ]
    }

    /// The directory sqitch runs in, where `sqitch.conf` may move the plan to `top_dir`.
    fn chain_at(&self, file: &Path) -> PathBuf {
        match file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// Where the plan and deploy/ are is sqitch.conf's to say: the error names what is missing.
    fn marked(&self, dir: &Path, _: &Shape) -> Result<Marked, DiscoverError> {
        layout(dir).map(|_| Marked::Fits)
    }

    /// Names only: the plan orders the chain.
    fn next_versions(&self, _: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
        timestamps(None, count, now)
    }

    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        change(dir, new.version, &new.name(), new.migration)
    }

    /// The plan gains a line per change. Beside an `atlas.sum`, the sum is what is kept (Atlas
    /// reads no sqitch chain, so nothing is rewritten).
    fn bookkeeping(
        &self,
        dir: &Path,
        planned: &[Planned],
        _: SystemTime,
        created: &mut Created,
    ) -> Result<(), WriteError> {
        if dir.join(atlas::SUM).is_file() {
            return atlas_sum_for(Format::Sqitch, dir, created);
        }
        let plan = Layout::of(dir).map_or_else(|_| dir.join(PLAN), |l| l.plan);
        index(&plan, planned, created, |old, entries| {
            Ok(appended(old, entries))
        })
    }
}

/// A sqitch change as `sqitch add` lays it out: deploy, revert and verify scripts (their
/// directories created when missing) and a plan line. Every sqitch script runs outside a
/// transaction of pg-invariants' own; one that may run in a transaction opens its own, as
/// sqitch's template does.
fn change(dir: &Path, version: &str, name: &str, migration: &NewMigration) -> Planned {
    let sql = migration.sql.trim_end();
    let deploy = match migration.transaction {
        true => format!("-- Deploy {name} to pg\n\nBEGIN;\n\n{sql}\n\nCOMMIT;\n"),
        false => format!(
            "-- Deploy {name} to pg\n-- No BEGIN/COMMIT: PostgreSQL runs this outside a transaction block only.\n\n{sql}\n"
        ),
    };
    // Where sqitch.conf puts the scripts (top_dir, deploy_dir...), else beside the plan.
    let (folders, ext) = match Layout::of(dir) {
        Ok(l) => ([l.deploy, l.revert, l.verify], l.extension),
        Err(_) => (
            [DEPLOY, "revert", "verify"].map(|folder| dir.join(folder)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    const HEAD: &str = "%syntax-version=1.0.0\n%project=flipr\n%uri=https://example.com/\n\n";
    const WHEN: &str = "2024-01-01T00:00:00Z Marge <marge@example.com>";

    fn plan(body: &str) -> String {
        format!("{HEAD}{body}")
    }

    #[test]
    fn changes_deploy_in_plan_order_outside_a_transaction() {
        let fixture = Fixture::new(&[
            (
                PLAN,
                &plan(&format!(
                    "# the flipr plan\nusers {WHEN} # Creates users.\nappschema [users !old other:x] {WHEN}\n@v1 {WHEN} # Tag\n\nflips [appschema users@v1] {WHEN}\n"
                )),
            ),
            (
                "deploy/users.sql",
                "BEGIN;\nCREATE TABLE users ();\nCOMMIT;\n",
            ),
            ("deploy/appschema.sql", "CREATE SCHEMA flipr;"),
            ("deploy/flips.sql", "SELECT 1;"),
            ("revert/users.sql", "DROP TABLE users;"),
            ("verify/users.sql", "SELECT 1/0;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            [
                "deploy/users.sql",
                "deploy/appschema.sql",
                "deploy/flips.sql"
            ]
        );
        assert!(migrations.iter().all(|m| !m.transaction));
        let users = migrations[0].statements();
        let sql = migrations[0].sql();
        let texts: Vec<&str> = users.iter().map(|s| &sql[s.range.clone()]).collect();
        assert_eq!(texts, ["BEGIN", "CREATE TABLE users ()", "COMMIT"]);
    }

    #[rstest]
    // The earlier instance takes the tag between the two: `a@v1.sql`.
    #[case::one_tag(&format!("a {WHEN}\n@v1 {WHEN}\nb {WHEN}\na [a@v1] {WHEN}\n"), &["a@v1.sql", "b.sql", "a.sql"], &["a@v1.sql"])]
    // Tags later than the instance come first, the latest first; the first whose file exists wins.
    #[case::first_existing(&format!("a {WHEN}\n@v1 {WHEN}\nb {WHEN}\n@v2 {WHEN}\na {WHEN}\n"), &["a@v1.sql", "b.sql", "a.sql"], &["a@v1.sql"])]
    #[case::latest_tag_first(&format!("a {WHEN}\n@v1 {WHEN}\nb {WHEN}\n@v2 {WHEN}\na {WHEN}\n"), &["a@v2.sql", "b.sql", "a.sql"], &["a@v2.sql", "a@v1.sql"])]
    // Reworked twice: each earlier instance names its own tag.
    #[case::twice(&format!("a {WHEN}\n@v1 {WHEN}\na {WHEN}\n@v2 {WHEN}\na {WHEN}\n"), &["a@v1.sql", "a@v2.sql", "a.sql"], &["a@v1.sql", "a@v2.sql"])]
    fn a_reworked_change_deploys_its_tagged_script_first(
        #[case] body: &str,
        #[case] expected: &[&str],
        #[case] tagged: &[&str],
    ) {
        let mut files = vec![
            (PLAN.to_string(), plan(body)),
            ("deploy/a.sql".to_string(), "SELECT 1;".to_string()),
            ("deploy/b.sql".to_string(), "SELECT 1;".to_string()),
        ];
        files.extend(
            tagged
                .iter()
                .map(|name| (format!("deploy/{name}"), "SELECT 1;".to_string())),
        );
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let fixture = Fixture::new(&refs);
        let migrations = discover(fixture.path()).unwrap();
        let expected: Vec<String> = expected.iter().map(|n| format!("deploy/{n}")).collect();
        assert_eq!(fixture.order(&migrations), expected);
    }

    #[test]
    fn each_revert_script_is_its_change_s_down_part_found_as_deploy_scripts_are() {
        let body = format!("a {WHEN}\n@v1 {WHEN}\nb {WHEN}\na [a@v1] {WHEN}\n");
        let fixture = Fixture::new(&[
            (PLAN, &plan(&body)),
            ("deploy/a@v1.sql", "CREATE TABLE a ();"),
            ("deploy/b.sql", "CREATE TABLE b ();"),
            ("deploy/a.sql", "ALTER TABLE a ADD c int;"),
            ("revert/a@v1.sql", "BEGIN;\nDROP TABLE a;\nCOMMIT;\n"),
            ("revert/a.sql", "ALTER TABLE a DROP c;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            Fixture::downs(&migrations),
            [
                Some(("BEGIN;\nDROP TABLE a;\nCOMMIT;\n", false)),
                None,
                Some(("ALTER TABLE a DROP c;", false))
            ]
        );
        let downs: Vec<&Migration> = migrations
            .iter()
            .filter_map(|m| m.down.as_deref())
            .collect();
        assert_eq!(
            fixture.order(&downs.into_iter().cloned().collect::<Vec<_>>()),
            ["revert/a@v1.sql", "revert/a.sql"]
        );
        let reverted = migrations[0].down.as_deref().unwrap();
        assert_eq!(Fixture::sent(reverted), ["BEGIN", "DROP TABLE a", "COMMIT"]);
        assert_eq!(reverted.description, "a");
    }

    #[rstest]
    #[case::no_blank_after_pragmas(
        "%project=p\nusers 2024-01-01T00:00:00Z M <m@x>\n",
        "sqitch.plan:2:1: invalid sqitch plan: invalid pragma"
    )]
    #[case::no_project(
        "%syntax-version=1.0.0\n\n",
        "sqitch.plan:1:1: invalid sqitch plan: missing %project"
    )]
    #[case::no_timestamp(
        "%project=p\n\nusers M <m@x>\n",
        "sqitch.plan:3:1: invalid sqitch plan: missing timestamp"
    )]
    #[case::no_planner(
        "%project=p\n\n  users 2024-01-01T00:00:00Z\n",
        "sqitch.plan:3:3: invalid sqitch plan: missing planner"
    )]
    #[case::duplicate(
        "%project=p\n\na 2024-01-01T00:00:00Z M <m@x>\na 2024-01-01T00:00:00Z M <m@x>\n",
        "sqitch.plan:4:1: invalid sqitch plan: change \"a\" duplicates its declaration on line 3"
    )]
    #[case::requires_later(
        "%project=p\n\na [b] 2024-01-01T00:00:00Z M <m@x>\nb 2024-01-01T00:00:00Z M <m@x>\n",
        "sqitch.plan:3:1: invalid sqitch plan: change \"a\" requires \"b\""
    )]
    #[case::tag_first(
        "%project=p\n\n@v1 2024-01-01T00:00:00Z M <m@x>\n",
        "sqitch.plan:3:1: invalid sqitch plan: tag \"v1\" declared without a preceding change"
    )]
    fn a_plan_sqitch_refuses_is_an_error_naming_the_line(
        #[case] text: &str,
        #[case] expected: &str,
    ) {
        let fixture = Fixture::new(&[(PLAN, text), ("deploy/a.sql", ""), ("deploy/b.sql", "")]);
        let error = discover(fixture.path()).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    }

    #[test]
    fn a_planned_change_without_its_script_is_an_error() {
        let fixture = Fixture::new(&[(PLAN, &plan(&format!("users {WHEN}\n")))]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::ListedFileMissing { path, .. } if path.ends_with("deploy/users.sql")),
            "{error}"
        );
        assert!(error.to_string().contains("sqitch.plan:5:1"), "{error}");
    }
}
