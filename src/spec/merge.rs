//! How one column's facts come together: its table file's keys and the keys of every rule that
//! applies to it. Nothing is silently overridden: two places that state the same key of one
//! column must state the same value, or the configuration is invalid (docs/configuration.md).
//! A table file that means to differ from a rule says so with `except = ["rule"]`, which takes
//! the rule off the column before merging.

use std::collections::HashMap;
use std::fmt;

use crate::referential::OnDelete;

use super::facts::{ColumnFacts, Fact, Orphans, Reference};
use super::project::Rule;
use crate::location::Location;

/// A column's facts after merging, and every key two places state differently. Where rules
/// disagree among themselves, the first rule's value is kept (so a plan can still be built), and
/// the contradiction is reported: as an error at load time for a column a table file declares,
/// by the `rules::<name>` tests for a column only the catalog knows.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub facts: ColumnFacts,
    pub contradictions: Vec<Contradiction>,
}

/// One key of one column stated twice with different values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradiction {
    pub key: &'static str,
    /// `projects.org_id`, as messages show the column.
    pub column: String,
    /// The value kept: from the table file (`rule: None`) or the first rule stating it.
    pub first: Statement,
    /// The rule that states another value.
    pub second: Statement,
}

/// Where a key was stated, with what value, and by which rule (`None`: the table file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub at: Location,
    pub value: String,
    pub rule: Option<String>,
}

impl Contradiction {
    /// True when `rule` is one of the two sides.
    pub fn involves(&self, rule: &str) -> bool {
        [&self.first.rule, &self.second.rule]
            .iter()
            .any(|r| r.as_deref() == Some(rule))
    }

    /// Where the error points: the table file's key, or the second rule's key.
    pub fn at(&self) -> &Location {
        match self.first.rule {
            None => &self.first.at,
            Some(_) => &self.second.at,
        }
    }
}

impl fmt::Display for Contradiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (key, column) = (self.key, &self.column);
        let (first, second) = (&self.first, &self.second);
        let rule = second.rule.as_deref().unwrap_or_default();
        let (_, bare_column) = column.rsplit_once('.').unwrap_or(("", column));
        match &first.rule {
            None => write!(
                f,
                "`{key} = {}` for column {column} contradicts rule {rule:?}, which says `{key} = {}` at {}; make them agree, or add except = [{rule:?}] to [columns.{bare_column}] to take the rule off this column on purpose",
                first.value, second.value, second.at
            ),
            Some(other) => write!(
                f,
                "rule {rule:?} says `{key} = {}` for column {column}, but rule {other:?} says `{key} = {}` at {}; make them agree, or keep one of them off this column with exclude = [{column:?}] (or except = [...] in its table file)",
                second.value, first.value, first.at
            ),
        }
    }
}

/// How a value is written in a TOML file, for messages.
trait Written {
    fn written(&self, schema: &str) -> String;
}

impl Written for bool {
    fn written(&self, _: &str) -> String {
        self.to_string()
    }
}

impl Written for String {
    fn written(&self, _: &str) -> String {
        format!("{self:?}")
    }
}

impl Written for Reference {
    fn written(&self, schema: &str) -> String {
        format!("{:?}", self.display(schema))
    }
}

impl Written for OnDelete {
    fn written(&self, _: &str) -> String {
        format!("{:?}", self.name())
    }
}

impl Written for Orphans {
    fn written(&self, schema: &str) -> String {
        let targets: Vec<String> = self
            .targets
            .iter()
            .map(|t| match &t.filter {
                Some(w) => format!(
                    "{{ references = {}, where = {w:?} }}",
                    t.references.written(schema)
                ),
                None => format!("{{ references = {} }}", t.references.written(schema)),
            })
            .collect();
        format!("[{}]", targets.join(", "))
    }
}

/// Merging in progress: which rule set each key, for messages.
struct Merge<'a> {
    column: &'a str,
    schema: &'a str,
    set_by: HashMap<&'static str, &'a str>,
    contradictions: Vec<Contradiction>,
}

impl<'a> Merge<'a> {
    /// Takes `value` of `rule` for `key` when nothing states it yet, else checks it agrees.
    fn key<T: Clone + PartialEq + Written>(
        &mut self,
        key: &'static str,
        slot: &mut Option<Fact<T>>,
        rule: &'a Rule,
        value: &Option<Fact<T>>,
    ) {
        let Some(value) = value else { return };
        let Some(kept) = slot else {
            *slot = Some(value.clone());
            self.set_by.insert(key, &rule.name);
            return;
        };
        if kept.value == value.value {
            return;
        }
        self.contradictions.push(Contradiction {
            key,
            column: self.column.to_string(),
            first: Statement {
                at: kept.at.clone(),
                value: kept.value.written(self.schema),
                rule: self.set_by.get(key).map(|r| r.to_string()),
            },
            second: Statement {
                at: value.at.clone(),
                value: value.value.written(self.schema),
                rule: Some(rule.name.clone()),
            },
        });
    }
}

/// `own` (the table file's keys, or none) with the keys of `rules`, in file order. `column` is
/// the column as messages show it. A table file's `no_fk` takes no `references`/`on_delete`
/// from rules (that is what `no_fk` says), and its `references` takes no rule's `no_fk`.
pub fn merge<'a>(
    own: &ColumnFacts,
    rules: impl IntoIterator<Item = &'a Rule>,
    column: &str,
    schema: &str,
) -> Merged {
    let mut facts = own.clone();
    let mut m = Merge {
        column,
        schema,
        set_by: HashMap::new(),
        contradictions: Vec::new(),
    };
    for rule in rules {
        let r = &rule.facts;
        m.key("type", &mut facts.type_, rule, &r.type_);
        m.key("not_null", &mut facts.not_null, rule, &r.not_null);
        m.key("indexed", &mut facts.indexed, rule, &r.indexed);
        m.key("immutable", &mut facts.immutable, rule, &r.immutable);
        m.key("orphans", &mut facts.orphans, rule, &r.orphans);
        m.key("tenant", &mut facts.tenant, rule, &r.tenant);
        m.key("same_tenant", &mut facts.same_tenant, rule, &r.same_tenant);
        if own.no_fk.is_none() {
            m.key("references", &mut facts.references, rule, &r.references);
            m.key("on_delete", &mut facts.on_delete, rule, &r.on_delete);
        }
        if own.references.is_none() {
            m.key("no_fk", &mut facts.no_fk, rule, &r.no_fk);
        }
    }
    Merged {
        facts,
        contradictions: m.contradictions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Glob;

    fn at(path: &str, line: usize) -> Location {
        Location {
            path: path.into(),
            line,
            column: 13,
        }
    }

    fn on_delete(value: OnDelete, path: &str, line: usize) -> Option<Fact<OnDelete>> {
        Some(Fact {
            value,
            at: at(path, line),
        })
    }

    /// A rule `name` saying `on_delete` at line `line` of the project file, and indexed.
    fn rule(name: &str, action: OnDelete, line: usize) -> Rule {
        Rule {
            name: name.into(),
            at: at("pg-invariants.toml", line - 2),
            columns: vec![Glob::new("org_id")],
            tables: Vec::new(),
            exclude: Vec::new(),
            facts: ColumnFacts {
                references: Some(Fact {
                    value: Reference::parse("organizations.id", "public").unwrap(),
                    at: at("pg-invariants.toml", line - 1),
                }),
                on_delete: on_delete(action, "pg-invariants.toml", line),
                indexed: Some(Fact {
                    value: true,
                    at: at("pg-invariants.toml", line + 1),
                }),
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_table_file_that_contradicts_a_rule_is_named_with_the_rule() {
        let own = ColumnFacts {
            on_delete: on_delete(OnDelete::Restrict, "invariants/projects.toml", 3),
            ..Default::default()
        };
        let cascade = rule("tenant-fk", OnDelete::Cascade, 20);
        let merged = merge(&own, [&cascade], "projects.org_id", "public");
        let [c] = merged.contradictions.as_slice() else {
            panic!("{:?}", merged.contradictions)
        };
        assert_eq!(c.at(), &at("invariants/projects.toml", 3));
        let message = c.to_string();
        assert!(
            message.contains("`on_delete = \"restrict\"` for column projects.org_id contradicts rule \"tenant-fk\", which says `on_delete = \"cascade\"` at pg-invariants.toml:20:13"),
            "{message}"
        );
        assert!(
            message.contains("except = [\"tenant-fk\"] to [columns.org_id]"),
            "{message}"
        );
        // Keys the file does not state still come from the rule.
        assert_eq!(merged.facts.references.unwrap().at.line, 19);
    }

    #[test]
    fn equal_values_agree() {
        let own = ColumnFacts {
            on_delete: on_delete(OnDelete::Cascade, "invariants/projects.toml", 3),
            ..Default::default()
        };
        let merged = merge(
            &own,
            [&rule("tenant-fk", OnDelete::Cascade, 20)],
            "p.org_id",
            "public",
        );
        assert!(merged.contradictions.is_empty());
        assert_eq!(
            merged.facts.on_delete.unwrap().at.path,
            std::path::Path::new("invariants/projects.toml")
        );
    }

    #[test]
    fn two_rules_that_disagree_keep_the_first_and_name_both() {
        let (a, b) = (
            rule("a", OnDelete::Cascade, 10),
            rule("b", OnDelete::SetNull, 20),
        );
        let merged = merge(&ColumnFacts::default(), [&a, &b], "tasks.org_id", "public");
        assert_eq!(merged.facts.on_delete.unwrap().value, OnDelete::Cascade);
        let [c] = merged.contradictions.as_slice() else {
            panic!("{:?}", merged.contradictions)
        };
        assert!(c.involves("a") && c.involves("b") && !c.involves("c"));
        assert_eq!(c.at(), &at("pg-invariants.toml", 20));
        let message = c.to_string();
        assert!(message.contains("rule \"b\" says `on_delete = \"set null\"` for column tasks.org_id, but rule \"a\" says `on_delete = \"cascade\"` at pg-invariants.toml:10:13"), "{message}");
        assert!(
            message.contains("exclude = [\"tasks.org_id\"]"),
            "{message}"
        );
    }

    #[test]
    fn no_fk_takes_no_reference_from_rules() {
        let own = ColumnFacts {
            no_fk: Some(Fact {
                value: "polymorphic".into(),
                at: at("x.toml", 1),
            }),
            ..Default::default()
        };
        let merged = merge(
            &own,
            [&rule("t", OnDelete::Cascade, 10)],
            "x.org_id",
            "public",
        );
        assert!(merged.contradictions.is_empty());
        let facts = merged.facts;
        assert!(facts.references.is_none() && facts.on_delete.is_none());
        assert!(facts.indexed.is_some());
        assert!(facts.check_consistency().is_ok());
    }
}
