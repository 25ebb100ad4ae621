//! `sqitch.conf`, read as sqitch reads it (a git-config file), for what decides where the chain
//! is and how its scripts run: `top_dir`, `plan_file`, `deploy_dir`, `revert_dir`,
//! `reworked_dir`, `reworked_deploy_dir`, `reworked_revert_dir`, `extension`, `registry` and
//! the psql variables.
//!
//! sqitch looks a key up in the target's section (`[target "<name>"]`, the target being
//! `core.target` or `engine.<engine>.target` when that is a name, not a URI), then the engine's
//! (`[engine "pg"]`), then `[core]`, the first non-empty value winning; relative paths are
//! relative to the directory sqitch runs in, the one holding `sqitch.conf`. Variables are the
//! union of `[core "variables"]`, `[deploy "variables"]`, `[engine "pg.variables"]` and
//! `[target "<name>.variables"]`, later sections winning, passed to psql sorted by name, then
//! `registry` (default `sqitch`), as sqitch's pg engine passes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::super::{DiscoverError, lines, read_text};
use crate::location::Location;

/// The file's name, in the directory sqitch runs in.
pub const FILE: &str = "sqitch.conf";

/// The keys of a git-config file: `section[.subsection].name`, section and name in lower case
/// (git and sqitch compare them so), the last value of a key winning.
#[derive(Debug, Default)]
pub struct Conf {
    values: BTreeMap<String, String>,
}

impl Conf {
    /// Reads `path`; an unreadable line is an error at it.
    pub fn read(path: &Path) -> Result<Self, DiscoverError> {
        let text = read_text(path)?;
        Self::parse(&text).map_err(|(offset, problem)| DiscoverError::Malformed {
            location: Location::at(path, &text, offset),
            problem: format!("invalid sqitch.conf: {problem}"),
        })
    }

    fn parse(text: &str) -> Result<Self, (usize, String)> {
        let mut values = BTreeMap::new();
        let mut section: Option<String> = None;
        for (offset, line) in lines(text) {
            let content = line.trim();
            if content.is_empty() || content.starts_with(['#', ';']) {
                continue;
            }
            let at = offset + (line.len() - line.trim_start().len());
            if let Some(header) = content.strip_prefix('[') {
                section = Some(section_name(header).ok_or((at, "bad section header".into()))?);
                continue;
            }
            let Some(section) = &section else {
                return Err((at, "a key before any [section]".into()));
            };
            let (name, value) = match content.split_once('=') {
                Some((name, value)) => (name.trim(), unquote(value)),
                None => (content, "true".to_string()),
            };
            let valid = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if name.is_empty() || !valid {
                return Err((at, format!("bad key name `{name}`")));
            }
            values.insert(format!("{section}.{}", name.to_ascii_lowercase()), value);
        }
        Ok(Self { values })
    }

    /// The value of `key` (`core.top_dir`), when set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The names and values of the keys directly in `section` (`core.variables`).
    fn section(&self, section: &str) -> impl Iterator<Item = (&str, &str)> {
        let prefix = format!("{section}.");
        self.values.iter().filter_map(move |(key, value)| {
            let name = key.strip_prefix(&prefix)?;
            (!name.contains('.')).then_some((name, value.as_str()))
        })
    }
}

/// `section]`, `section "subsection"]` or `section.subsection]` as the key prefix.
fn section_name(header: &str) -> Option<String> {
    let header = header.trim_end().strip_suffix(']')?;
    let (name, subsection) = match header.split_once('"') {
        Some((name, quoted)) => {
            let inner = quoted.strip_suffix('"')?;
            let unescaped = inner.replace("\\\"", "\"").replace("\\\\", "\\");
            (name.trim(), Some(unescaped))
        }
        None => (header.trim(), None),
    };
    if name.is_empty() {
        return None;
    }
    Some(match subsection {
        Some(sub) => format!("{}.{sub}", name.to_ascii_lowercase()),
        None => name.to_ascii_lowercase(),
    })
}

/// A value as git reads it: outer spaces dropped, `"..."` quoting and its escapes, a `#` or `;`
/// outside quotes starting a comment.
fn unquote(raw: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            },
            '#' | ';' if !quoted => break,
            c => out.push(c),
        }
    }
    if quoted {
        out
    } else {
        out.trim_end().to_string()
    }
}

/// Where a sqitch project's files are and how its scripts run, as sqitch resolves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The directory sqitch runs in (psql's working directory): the one holding `sqitch.conf`.
    pub run_dir: PathBuf,
    /// `sqitch.conf`, when there is one.
    pub conf: Option<PathBuf>,
    pub plan: PathBuf,
    pub deploy: PathBuf,
    /// Where the deploy scripts of a reworked change's earlier instances are.
    pub reworked_deploy: PathBuf,
    pub revert: PathBuf,
    /// Where the revert scripts of a reworked change's earlier instances are.
    pub reworked_revert: PathBuf,
    pub verify: PathBuf,
    /// The scripts' extension, `sql` unless configured.
    pub extension: String,
    /// `--set name=value` for psql, in the order sqitch passes them.
    pub variables: Vec<(String, String)>,
}

impl Layout {
    /// The layout of the sqitch project run from `run_dir`: its `sqitch.conf` when it has one,
    /// else sqitch's defaults (`sqitch.plan` and `deploy/` in it).
    /// A `path` holding the plan but no `sqitch.conf` (`path = "sql"` where `sqitch.conf` one
    /// directory up says `top_dir = sql`) is read through the `sqitch.conf` above it that names
    /// this very plan: sqitch runs from there.
    pub fn of(run_dir: &Path) -> Result<Self, DiscoverError> {
        if !run_dir.join(FILE).is_file() {
            let plan = clean(&run_dir.join("sqitch.plan"));
            for above in run_dir.ancestors().skip(1).take(3) {
                if above.join(FILE).is_file() {
                    let layout = Self::at(above)?;
                    if layout.plan == plan {
                        return Ok(layout);
                    }
                }
            }
        }
        Self::at(run_dir)
    }

    fn at(run_dir: &Path) -> Result<Self, DiscoverError> {
        let file = run_dir.join(FILE);
        let conf = match file.is_file() {
            true => Conf::read(&file)?,
            false => Conf::default(),
        };
        let mut layout = Self::resolve(run_dir, &conf);
        layout.conf = file.is_file().then_some(file);
        Ok(layout)
    }

    fn resolve(run_dir: &Path, conf: &Conf) -> Self {
        let engine = conf.get("core.engine").unwrap_or("pg").trim().to_string();
        let target = conf
            .get("core.target")
            .or_else(|| conf.get(&format!("engine.{engine}.target")))
            .filter(|name| !name.contains(':'))
            .map(str::to_string);
        let fetch = |key: &str| {
            let in_target = target
                .as_ref()
                .and_then(|name| conf.get(&format!("target.{name}.{key}")));
            in_target
                .or_else(|| conf.get(&format!("engine.{engine}.{key}")))
                .or_else(|| conf.get(&format!("core.{key}")))
                .map(str::to_string)
        };
        let path = |p: String| clean(&run_dir.join(p));
        let top = path(fetch("top_dir").unwrap_or_else(|| ".".into()));
        let reworked = fetch("reworked_dir").map_or_else(|| top.clone(), path);
        let script_dir =
            |script: &str| fetch(&format!("{script}_dir")).map_or_else(|| top.join(script), path);
        let reworked_dir = |script: &str| match (
            fetch(&format!("reworked_{script}_dir")),
            fetch(&format!("{script}_dir")),
        ) {
            (Some(dir), _) => path(dir),
            (None, Some(dir)) => clean(&reworked.join(dir)),
            (None, None) => reworked.join(script),
        };
        let mut variables: BTreeMap<String, String> = BTreeMap::new();
        let mut sections = vec![
            "core.variables".to_string(),
            "deploy.variables".to_string(),
            format!("engine.{engine}.variables"),
        ];
        sections.extend(
            target
                .as_ref()
                .map(|name| format!("target.{name}.variables")),
        );
        for section in &sections {
            for (name, value) in conf.section(section) {
                variables.insert(name.to_string(), value.to_string());
            }
        }
        let mut variables: Vec<(String, String)> = variables.into_iter().collect();
        variables.push((
            "registry".into(),
            fetch("registry").unwrap_or_else(|| "sqitch".into()),
        ));
        Self {
            run_dir: run_dir.to_path_buf(),
            conf: None,
            plan: fetch("plan_file").map_or_else(|| top.join("sqitch.plan"), path),
            deploy: script_dir("deploy"),
            reworked_deploy: reworked_dir("deploy"),
            reworked_revert: reworked_dir("revert"),
            revert: script_dir("revert"),
            verify: script_dir("verify"),
            extension: fetch("extension").unwrap_or_else(|| "sql".into()),
            variables,
        }
    }

    /// The plan and the deploy directory exist: the layout sqitch can deploy.
    pub fn exists(&self) -> bool {
        self.plan.is_file() && self.deploy.is_dir()
    }

    /// Why the layout is not one sqitch can deploy, and what to do.
    pub fn problem(&self) -> String {
        let configured = match &self.conf {
            Some(conf) => format!(" (as {} sets it)", conf.display()),
            None => String::new(),
        };
        let missing = match self.plan.is_file() {
            false => format!("the plan {} does not exist", self.plan.display()),
            true => format!(
                "the deploy directory {} does not exist",
                self.deploy.display()
            ),
        };
        format!(
            "sqitch runs here{configured}, but {missing}; point `path` in the [migrations] section \
             of pg-invariants.toml at the directory sqitch runs in (the one holding sqitch.conf, or \
             sqitch.plan beside deploy/)"
        )
    }
}

/// `path` without `.` components and with `dir/..` folded, as sqitch's `cleanup` does.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn layout(text: &str) -> Layout {
        Layout::resolve(Path::new("/p"), &Conf::parse(text).unwrap())
    }

    #[test]
    fn defaults_are_the_run_directory() {
        let l = layout("");
        assert_eq!(l.plan, Path::new("/p/sqitch.plan"));
        assert_eq!(l.deploy, Path::new("/p/deploy"));
        assert_eq!(l.reworked_deploy, Path::new("/p/deploy"));
        assert_eq!(l.extension, "sql");
        assert_eq!(
            l.variables,
            [("registry".to_string(), "sqitch".to_string())]
        );
    }

    #[rstest]
    #[case::defaults("", "/p/revert")]
    #[case::revert_dir("[core]\n revert_dir = undo\n", "/p/undo")]
    #[case::reworked_dir("[core]\n reworked_dir = old\n", "/p/old/revert")]
    #[case::reworked_revert_dir("[core]\n reworked_revert_dir = old-undo\n", "/p/old-undo")]
    fn reworked_revert_scripts_are_found_as_reworked_deploy_scripts_are(
        #[case] text: &str,
        #[case] expected: &str,
    ) {
        assert_eq!(layout(text).reworked_revert, Path::new(expected));
    }

    #[test]
    fn core_top_dir_moves_plan_and_scripts() {
        // As Tamarou/Registry writes it: a tab and a space before the key, `./sql`.
        let l = layout("[core]\n\tengine = pg\n\t# plan_file = sqitch.plan\n\t top_dir = ./sql\n");
        assert_eq!(l.plan, Path::new("/p/sql/sqitch.plan"));
        assert_eq!(l.deploy, Path::new("/p/sql/deploy"));
        assert_eq!(l.verify, Path::new("/p/sql/verify"));
    }

    #[test]
    fn target_then_engine_then_core() {
        let text = "[core]\n engine = pg\n top_dir = core\n deploy_dir = core-deploy\n\
                    [engine \"pg\"]\n target = dev\n top_dir = eng\n plan_file = eng/my.plan\n\
                    [target \"dev\"]\n uri = db:pg:///x\n top_dir = tgt\n registry = meta\n";
        let l = layout(text);
        assert_eq!(l.plan, Path::new("/p/eng/my.plan"));
        assert_eq!(l.deploy, Path::new("/p/core-deploy"));
        assert_eq!(l.revert, Path::new("/p/tgt/revert"));
        assert_eq!(l.reworked_deploy, Path::new("/p/tgt/core-deploy"));
        assert_eq!(l.variables, [("registry".to_string(), "meta".to_string())]);
    }

    #[test]
    fn variables_merge_in_sqitch_order_sorted_by_name() {
        let text = "[core]\n engine = pg\n target = dev\n\
                    [core \"variables\"]\n Schema = core\n b = \"two words\" # note\n\
                    [deploy \"variables\"]\n schema = deploy\n\
                    [engine \"pg.variables\"]\n a = engine\n\
                    [target \"dev.variables\"]\n a = target\n";
        let l = layout(text);
        let vars: Vec<(&str, &str)> = l
            .variables
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            vars,
            [
                ("a", "target"),
                ("b", "two words"),
                ("schema", "deploy"),
                ("registry", "sqitch")
            ]
        );
    }

    #[test]
    fn a_plan_directory_below_its_sqitch_conf_runs_from_there() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        std::fs::create_dir_all(root.join("sql/deploy")).unwrap();
        std::fs::write(root.join("sqitch.conf"), "[core]\n top_dir = ./sql\n").unwrap();
        std::fs::write(root.join("sql/sqitch.plan"), "").unwrap();
        let layout = Layout::of(&root.join("sql")).unwrap();
        assert_eq!(layout.run_dir, root);
        assert_eq!(layout.plan, root.join("sql/sqitch.plan"));
        // A sqitch.conf above that names another plan is not this project's.
        std::fs::write(root.join("sqitch.conf"), "[core]\n top_dir = ./db\n").unwrap();
        assert_eq!(
            Layout::of(&root.join("sql")).unwrap().run_dir,
            root.join("sql")
        );
    }

    #[rstest]
    #[case::key_first("top_dir = x\n", 1)]
    #[case::bad_header("[core\n", 1)]
    #[case::bad_key("[core]\n top dir = x\n", 2)]
    fn a_file_git_cannot_read_is_an_error_at_its_line(#[case] text: &str, #[case] line: usize) {
        let (offset, _) = Conf::parse(text).unwrap_err();
        assert_eq!(crate::location::line_col(text, offset).0, line);
    }
}
