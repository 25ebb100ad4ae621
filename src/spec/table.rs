//! Table files, `invariants/<table>.toml` (docs/configuration.md).

use std::collections::HashMap;
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_spanned::Spanned;

use super::error::SpecError;
use super::facts::{ColumnFacts, Fact, RULE_ONLY_KEYS, RawKeys};
use super::source::Source;
use crate::location::Location;
use crate::names::TableName;

/// One `[columns.X]`: the column's name and what its table file asserts.
#[derive(Debug, Clone)]
pub struct ColumnSpec {
    pub name: String,
    pub at: Location,
    pub facts: ColumnFacts,
    /// `except = ["rule"]`: rules taken off this column on purpose, with where each is written.
    pub except: Vec<Fact<String>>,
}

impl ColumnSpec {
    /// True when the column lists `rule` in `except`.
    pub fn excepts(&self, rule: &str) -> bool {
        self.except.iter().any(|e| e.value == rule)
    }
}

/// One table file.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub table: TableName,
    /// Start of the file: where table-level facts such as `exists` point.
    pub at: Location,
    pub primary_key: Option<Fact<Vec<String>>>,
    /// `purge = true`: deleting a row is never refused and leaves nothing behind.
    pub purge: Option<Fact<bool>>,
    /// In file order.
    pub columns: Vec<ColumnSpec>,
    /// Index into `columns` by name: a table file may list many thousands of columns.
    by_name: HashMap<String, usize>,
    /// `[sample]`: SQL expressions for synthesized rows, by column, each where its key is.
    pub sample: IndexMap<String, Fact<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    table: Option<Spanned<String>>,
    primary_key: Option<Spanned<Vec<String>>>,
    purge: Option<Spanned<bool>>,
    #[serde(default)]
    columns: IndexMap<Spanned<String>, Spanned<RawKeys>>,
    #[serde(default)]
    sample: IndexMap<Spanned<String>, String>,
}

impl TableSpec {
    /// Reads `path`; the table is the file stem in `default_schema` unless `table` says otherwise.
    pub fn load(path: &Path, default_schema: &str) -> Result<Self, SpecError> {
        Self::from_source(Source::read(path)?, default_schema)
    }

    /// `text` read as the table file at `path` (which need not exist yet): how `init` checks
    /// what it is about to write with the parser that will read it.
    pub fn parse(path: &Path, text: String, default_schema: &str) -> Result<Self, SpecError> {
        Self::from_source(Source::new(path, text), default_schema)
    }

    fn from_source(src: Source, default_schema: &str) -> Result<Self, SpecError> {
        let path = &src.path;
        let raw: RawTable = src.parse(&RULE_ONLY_KEYS)?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let table = match &raw.table {
            None => TableName::new(default_schema, stem),
            Some(t) => parse_table(&src, t, default_schema)?,
        };
        let primary_key = match raw.primary_key {
            Some(pk) if pk.get_ref().is_empty() => {
                return Err(
                    src.error_at(&pk, "`primary_key` is empty; list the key columns in order")
                );
            }
            Some(pk) => Some(Fact {
                at: src.at(&pk),
                value: pk.into_inner(),
            }),
            None => None,
        };
        let columns: Vec<ColumnSpec> = raw
            .columns
            .iter()
            .map(|(name, keys)| {
                let except = keys.get_ref().except.as_ref();
                Ok(ColumnSpec {
                    name: name.get_ref().clone(),
                    at: src.at(name),
                    facts: keys.get_ref().column_facts(&src, default_schema)?,
                    except: except
                        .map(|list| list.get_ref().iter().map(|e| src.fact(e)).collect())
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<_, SpecError>>()?;
        let by_name = columns
            .iter()
            .enumerate()
            .map(|(i, c): (usize, &ColumnSpec)| (c.name.clone(), i))
            .collect();
        Ok(Self {
            table,
            at: src.location(0),
            primary_key,
            purge: raw.purge.as_ref().map(|p| src.fact(p)),
            columns,
            by_name,
            sample: raw
                .sample
                .iter()
                .map(|(k, v)| {
                    let at = src.at(k);
                    (
                        k.get_ref().clone(),
                        Fact {
                            value: v.clone(),
                            at,
                        },
                    )
                })
                .collect(),
        })
    }
}

impl TableSpec {
    /// The column the file declares under `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.by_name.get(name).map(|&i| &self.columns[i])
    }
}

fn parse_table(
    src: &Source,
    t: &Spanned<String>,
    default_schema: &str,
) -> Result<TableName, SpecError> {
    let text = t.get_ref();
    let valid =
        !text.is_empty() && text.split('.').count() <= 2 && text.split('.').all(|p| !p.is_empty());
    if !valid {
        return Err(src.error_at(
            t,
            format!("`table` must be \"name\" or \"schema.name\", got {text:?}"),
        ));
    }
    Ok(TableName::parse(text, default_schema))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// Parsing is linear: 20 000 columns (60 000 spans to place) parse in well under a second,
    /// where a scan from the start of the file for each span took minutes at 150 000 columns.
    #[test]
    fn a_table_file_with_twenty_thousand_columns() {
        let mut text = String::new();
        for i in 0..20_000 {
            let _ = write!(text, "[columns.c{i}]\ntype = \"text\"\nnot_null = true\n\n");
        }
        let table = TableSpec::parse(Path::new("wide.toml"), text, "public").expect("valid");
        assert_eq!(table.columns.len(), 20_000);
        let last = table.column("c19999").expect("indexed by name");
        assert_eq!((last.at.line, last.at.column), (79_997, 10));
        let not_null = last.facts.not_null.as_ref().expect("stated");
        assert_eq!((not_null.at.line, not_null.at.column), (79_999, 12));
    }
}
