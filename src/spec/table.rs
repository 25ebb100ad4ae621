//! Table files, `invariants/<table>.toml` (FORMAT.md section 2).

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
}

/// One table file.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub table: TableName,
    /// Start of the file: where table-level facts such as `exists` point.
    pub at: Location,
    pub primary_key: Option<Fact<Vec<String>>>,
    /// In file order.
    pub columns: Vec<ColumnSpec>,
    /// `[sample]`: SQL expressions for synthesized rows, by column, each where its key is.
    pub sample: IndexMap<String, Fact<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    table: Option<Spanned<String>>,
    primary_key: Option<Spanned<Vec<String>>>,
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
        let src = Source {
            path: path.to_path_buf(),
            text,
        };
        Self::from_source(src, default_schema)
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
        let columns = raw
            .columns
            .iter()
            .map(|(name, keys)| {
                Ok(ColumnSpec {
                    name: name.get_ref().clone(),
                    at: src.at(name),
                    facts: keys.get_ref().column_facts(&src, default_schema)?,
                })
            })
            .collect::<Result<_, SpecError>>()?;
        Ok(Self {
            table,
            at: src.location(0),
            primary_key,
            columns,
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
