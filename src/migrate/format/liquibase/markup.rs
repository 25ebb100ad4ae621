//! Liquibase's XML and YAML changelogs: the steps they list (changesets and includes), and a
//! master gaining an `include` for `fix --write`.

use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::Step;
use crate::location::Location;
use crate::migrate::format::DiscoverError;

fn is_true(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The steps of an XML changelog: the children of `<databaseChangeLog>`.
pub(super) fn xml_steps(path: &Path, text: &str) -> Result<Vec<Step>, DiscoverError> {
    let doc = roxmltree::Document::parse(text).map_err(|e| DiscoverError::InvalidChangelog {
        location: Location {
            path: path.to_path_buf(),
            line: e.pos().row as usize,
            column: e.pos().col as usize,
        },
        message: e.to_string(),
    })?;
    let at = |node: roxmltree::Node| Location::at(path, text, node.range().start);
    let root = doc.root_element();
    if root.tag_name().name() != "databaseChangeLog" {
        return Err(DiscoverError::InvalidChangelog {
            location: at(root),
            message: "the root element is not <databaseChangeLog>".into(),
        });
    }
    let mut steps = Vec::new();
    for child in root.children().filter(|n| n.is_element()) {
        let relative = is_true(child.attribute("relativeToChangelogFile"));
        let (all, key) = match child.tag_name().name() {
            "include" => (false, "file"),
            "includeAll" => (true, "path"),
            "changeSet" => {
                steps.push(Step::ChangeTypes {
                    changeset: changeset_name(child.attribute("author"), child.attribute("id")),
                    at: at(child),
                });
                continue;
            }
            _ => continue,
        };
        let Some(target) = child.attribute(key) else {
            return Err(DiscoverError::InvalidChangelog {
                location: at(child),
                message: format!("<{}> without `{key}`", child.tag_name().name()),
            });
        };
        steps.push(Step::Include {
            target: target.to_string(),
            all,
            relative,
            at: at(child),
        });
    }
    Ok(steps)
}

/// `author:id`, as Liquibase names a changeset.
fn changeset_name(author: Option<&str>, id: Option<&str>) -> String {
    format!("{}:{}", author.unwrap_or_default(), id.unwrap_or_default())
}

/// A YAML (or JSON) node with where it starts.
enum Yaml {
    Scalar(String),
    Seq(Vec<(Yaml, Marker)>),
    /// Each key, where it is, and its value.
    Map(Vec<(String, Marker, (Yaml, Marker))>),
}

impl Yaml {
    fn get(&self, key: &str) -> Option<&(Yaml, Marker)> {
        match self {
            Yaml::Map(pairs) => pairs.iter().find(|(k, ..)| k == key).map(|(.., v)| v),
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// The parser's events, with their positions.
#[derive(Default)]
struct Events(Vec<(Event, Marker)>);

impl MarkedEventReceiver for Events {
    fn on_event(&mut self, event: Event, mark: Marker) {
        self.0.push((event, mark));
    }
}

/// Builds the node starting at `events[*i]`; aliases read as empty scalars. `None` past the end.
fn node(events: &[(Event, Marker)], i: &mut usize) -> Option<(Yaml, Marker)> {
    let (event, mark) = events.get(*i)?;
    *i += 1;
    let value = match event {
        Event::Scalar(value, ..) => Yaml::Scalar(value.clone()),
        Event::SequenceStart(..) => {
            let mut items = Vec::new();
            while !matches!(events.get(*i), Some((Event::SequenceEnd, _)) | None) {
                items.push(node(events, i)?);
            }
            *i += 1;
            Yaml::Seq(items)
        }
        Event::MappingStart(..) => {
            let mut pairs = Vec::new();
            while !matches!(events.get(*i), Some((Event::MappingEnd, _)) | None) {
                let (key, at) = node(events, i)?;
                let value = node(events, i)?;
                pairs.push((key.text().unwrap_or_default().to_string(), at, value));
            }
            *i += 1;
            Yaml::Map(pairs)
        }
        _ => Yaml::Scalar(String::new()),
    };
    Some((value, *mark))
}

/// The steps of a YAML or JSON changelog: the items of `databaseChangeLog`.
pub(super) fn yaml_steps(path: &Path, text: &str) -> Result<Vec<Step>, DiscoverError> {
    let location = |mark: &Marker| Location {
        path: path.to_path_buf(),
        line: mark.line(),
        column: mark.col() + 1,
    };
    let mut events = Events::default();
    Parser::new_from_str(text)
        .load(&mut events, false)
        .map_err(|e| DiscoverError::InvalidChangelog {
            location: location(e.marker()),
            message: e.info().to_string(),
        })?;
    let mut i = events
        .0
        .iter()
        .position(|(e, _)| matches!(e, Event::MappingStart(..)))
        .unwrap_or(events.0.len());
    let document = node(&events.0, &mut i);
    let list = document
        .as_ref()
        .and_then(|(d, _)| d.get("databaseChangeLog"));
    let Some((Yaml::Seq(items), _)) = list else {
        return Err(DiscoverError::InvalidChangelog {
            location: Location::at(path, text, 0),
            message: "no `databaseChangeLog` list".into(),
        });
    };
    let mut steps = Vec::new();
    for (item, _) in items {
        let Yaml::Map(pairs) = item else { continue };
        for (kind, mark, value) in pairs {
            steps.extend(yaml_step(kind, mark, value, &location)?);
        }
    }
    Ok(steps)
}

/// The step an item of `databaseChangeLog` of `kind` (at `mark`) holding `value` (at
/// `value_mark`) is: a changeset, an include (an error without its target), or none we read.
fn yaml_step(
    kind: &str,
    mark: &Marker,
    (value, value_mark): &(Yaml, Marker),
    location: &dyn Fn(&Marker) -> Location,
) -> Result<Option<Step>, DiscoverError> {
    let field = |key: &str| value.get(key).and_then(|(v, _)| v.text());
    let (all, key) = match kind {
        "include" => (false, "file"),
        "includeAll" => (true, "path"),
        "changeSet" => {
            return Ok(Some(Step::ChangeTypes {
                changeset: changeset_name(field("author"), field("id")),
                at: location(mark),
            }));
        }
        _ => return Ok(None),
    };
    let Some(target) = field(key) else {
        return Err(DiscoverError::InvalidChangelog {
            location: location(value_mark),
            message: format!("`{kind}` without `{key}`"),
        });
    };
    Ok(Some(Step::Include {
        target: target.to_string(),
        all,
        relative: is_true(field("relativeToChangelogFile")),
        at: location(mark),
    }))
}

/// The master changelog `text` (XML or YAML) with an `include` of each of `files` (relative to
/// it) at its end, indented like its other entries, for `fix --write`; `None` when it does not
/// parse. A YAML master whose `databaseChangeLog` list is not the last thing in the file gains
/// them in the wrong place: `fix` reads the chain back and restores the master when it does not
/// end with them.
pub(super) fn with_includes(master: &Path, text: &str, files: &[&str]) -> Option<String> {
    let xml = master
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
    if xml {
        let doc = roxmltree::Document::parse(text).ok()?;
        let root = doc.root_element();
        let close = text[..root.range().end].rfind("</")?;
        let indent = root
            .children()
            .rfind(|n| n.is_element())
            .map(|n| line_indent(text, n.range().start))
            .unwrap_or("    ");
        let mut added = String::new();
        for file in files {
            added.push_str(&format!(
                "{indent}<include file=\"{file}\" relativeToChangelogFile=\"true\"/>\n"
            ));
        }
        let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
        let at = if text[line_start..close].trim().is_empty() {
            line_start
        } else {
            added.insert(0, '\n');
            close
        };
        return Some(format!("{}{added}{}", &text[..at], &text[at..]));
    }
    let indent = text
        .lines()
        .find(|l| l.trim_start().starts_with("- "))
        .map(|l| &l[..l.len() - l.trim_start().len()])?;
    let mut out = text.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    for file in files {
        out.push_str(&format!(
            "{indent}- include:\n{indent}    file: {file}\n{indent}    relativeToChangelogFile: true\n"
        ));
    }
    Some(out)
}

/// The leading whitespace of the line holding byte `offset`.
fn line_indent(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    &line[..line.len() - line.trim_start().len()]
}
