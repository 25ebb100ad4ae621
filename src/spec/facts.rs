//! The facts a user asserts about one column (docs/configuration.md), whether written in a table
//! file's `[columns.X]` or in a schema-wide `[[rule]]`, and how the two are merged.

use serde::Deserialize;
use serde_spanned::Spanned;

use super::error::SpecError;
use super::source::Source;
use crate::location::Location;
use crate::names::TableName;
use crate::referential::OnDelete;

/// A value the user wrote, with where they wrote it (for "invariants/x.toml:7" in messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact<T> {
    pub value: T,
    pub at: Location,
}

/// A referenced column: `table.column` or `schema.table.column`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    pub table: TableName,
    pub column: String,
}

impl Reference {
    pub fn parse(text: &str, default_schema: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        let (table, column) = match parts.as_slice() {
            [table, column] => (TableName::new(default_schema, *table), *column),
            [schema, table, column] => (TableName::new(*schema, *table), *column),
            _ => return None,
        };
        Some(Self {
            table,
            column: column.to_string(),
        })
    }

    /// `organizations.id`, or `auth.users.id` outside the default schema.
    pub fn display(&self, default_schema: &str) -> String {
        format!("{}.{}", self.table.display(default_schema), self.column)
    }
}

/// The `orphans` data check: for each target, no value of the column (in the rows its `where`
/// selects) may be absent from the target's column. A polymorphic id has one target per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphans {
    /// Never empty, in file order.
    pub targets: Vec<OrphanTarget>,
}

/// One `{ references, where }` of `orphans`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrphanTarget {
    pub references: Reference,
    /// SQL condition restricting which rows are checked (polymorphic ids: `stream_type = 'org'`).
    pub filter: Option<String>,
}

/// Everything asserted about one column after parsing. `None` means "not asserted".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnFacts {
    pub type_: Option<Fact<String>>,
    pub not_null: Option<Fact<bool>>,
    pub references: Option<Fact<Reference>>,
    pub on_delete: Option<Fact<OnDelete>>,
    pub indexed: Option<Fact<bool>>,
    pub immutable: Option<Fact<bool>>,
    pub no_fk: Option<Fact<String>>,
    pub orphans: Option<Fact<Orphans>>,
    /// The column holds the row's tenant (`[tenancy]`).
    pub tenant: Option<Fact<bool>>,
    /// The row this FK column references belongs to the row's own tenant.
    pub same_tenant: Option<Fact<bool>>,
}

impl ColumnFacts {
    /// Contradictions that make a fact meaningless, found after merging.
    pub fn check_consistency(&self) -> Result<(), SpecError> {
        if let (Some(on_delete), None) = (&self.on_delete, &self.references) {
            return Err(SpecError::At {
                location: on_delete.at.clone(),
                message:
                    "`on_delete` needs `references` on the same column (from this file or a rule)"
                        .into(),
            });
        }
        if let (Some(no_fk), Some(_)) = (&self.no_fk, &self.references) {
            return Err(SpecError::At {
                location: no_fk.at.clone(),
                message: "`no_fk` contradicts `references` on the same column: keep one".into(),
            });
        }
        Ok(())
    }
}

/// The keys only a `[[rule]]` takes.
pub const RULE_ONLY_KEYS: [&str; 4] = ["name", "columns", "tables", "exclude"];

/// The key only a table file's `[columns.X]` takes.
pub const COLUMN_ONLY_KEYS: [&str; 1] = ["except"];

/// The keys of a `[columns.X]` table as written. Rules use the same struct: their own keys
/// (`name`, `columns`, `tables`, `exclude`) are rejected in table files by
/// [`RawKeys::column_facts`], and a column's `except` is rejected in rules by the rule loader,
/// so the list of column keys exists exactly once.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKeys {
    pub name: Option<Spanned<String>>,
    pub columns: Option<Spanned<Vec<String>>>,
    pub tables: Option<Spanned<Vec<String>>>,
    pub exclude: Option<Spanned<Vec<String>>>,
    pub except: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(rename = "type")]
    type_: Option<Spanned<String>>,
    not_null: Option<Spanned<bool>>,
    references: Option<Spanned<String>>,
    on_delete: Option<Spanned<OnDelete>>,
    indexed: Option<Spanned<bool>>,
    immutable: Option<Spanned<bool>>,
    no_fk: Option<Spanned<String>>,
    orphans: Option<Spanned<RawOrphans>>,
    tenant: Option<Spanned<bool>>,
    same_tenant: Option<Spanned<bool>>,
}

/// `orphans` as written: one inline table, or a list of them.
#[derive(Debug)]
struct RawOrphans(Vec<RawOrphanTarget>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrphanTarget {
    references: Spanned<String>,
    #[serde(rename = "where")]
    filter: Option<String>,
}

/// By hand rather than `untagged`, so a misspelt key inside a target is reported as such.
impl<'de> Deserialize<'de> for RawOrphans {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Targets;
        impl<'de> serde::de::Visitor<'de> for Targets {
            type Value = RawOrphans;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("{ references = \"table.column\", where = \"...\" } or a list of them")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawOrphans, A::Error> {
                let one = RawOrphanTarget::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(RawOrphans(vec![one]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<RawOrphans, A::Error> {
                let list = Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(RawOrphans(list))
            }
        }
        deserializer.deserialize_any(Targets)
    }
}

impl RawKeys {
    /// The facts of a table file's column; rule-only keys are errors here.
    pub fn column_facts(
        &self,
        src: &Source,
        default_schema: &str,
    ) -> Result<ColumnFacts, SpecError> {
        let rule_only = [
            self.name.as_ref().map(|v| (v.span(), "name")),
            self.columns.as_ref().map(|v| (v.span(), "columns")),
            self.tables.as_ref().map(|v| (v.span(), "tables")),
            self.exclude.as_ref().map(|v| (v.span(), "exclude")),
        ];
        if let Some((span, key)) = rule_only.into_iter().flatten().next() {
            return Err(src.error(
                span.start,
                format!("unknown key `{key}` in a column table (it belongs to a [[rule]] in pg-invariants.toml)"),
            ));
        }
        self.facts(src, default_schema)
    }

    /// The column keys, resolved; shared by table files and rules.
    pub fn facts(&self, src: &Source, default_schema: &str) -> Result<ColumnFacts, SpecError> {
        let fact = |v: &Spanned<bool>| Fact {
            value: *v.get_ref(),
            at: src.at(v),
        };
        let reference = |v: &Spanned<String>| -> Result<Fact<Reference>, SpecError> {
            let value = Reference::parse(v.get_ref(), default_schema).ok_or_else(|| {
                src.error_at(
                    v,
                    format!(
                        "`references` must be \"table.column\" or \"schema.table.column\", got {:?}",
                        v.get_ref()
                    ),
                )
            })?;
            Ok(Fact {
                value,
                at: src.at(v),
            })
        };
        let text = |v: &Spanned<String>| Fact {
            value: v.get_ref().clone(),
            at: src.at(v),
        };
        let orphans = match &self.orphans {
            None => None,
            Some(o) if o.get_ref().0.is_empty() => {
                return Err(src.error_at(
                    o,
                    "`orphans` is an empty list: give at least one { references, where }",
                ));
            }
            Some(o) => Some(Fact {
                value: Orphans {
                    targets: o
                        .get_ref()
                        .0
                        .iter()
                        .map(|t| {
                            Ok(OrphanTarget {
                                references: reference(&t.references)?.value,
                                filter: t.filter.clone(),
                            })
                        })
                        .collect::<Result<_, SpecError>>()?,
                },
                at: src.at(o),
            }),
        };
        if let Some(t) = &self.type_
            && t.get_ref().trim().is_empty()
        {
            return Err(src.error_at(
                t,
                "`type` is empty; write the type as format_type() prints it, e.g. \"uuid\"",
            ));
        }
        if let Some(reason) = &self.no_fk
            && reason.get_ref().trim().is_empty()
        {
            return Err(src.error_at(
                reason,
                "`no_fk` needs a reason: say why this column has no foreign key",
            ));
        }
        Ok(ColumnFacts {
            type_: self.type_.as_ref().map(text),
            not_null: self.not_null.as_ref().map(fact),
            references: self.references.as_ref().map(reference).transpose()?,
            on_delete: self.on_delete.as_ref().map(|v| Fact {
                value: *v.get_ref(),
                at: src.at(v),
            }),
            indexed: self.indexed.as_ref().map(fact),
            immutable: self.immutable.as_ref().map(fact),
            no_fk: self.no_fk.as_ref().map(text),
            orphans,
            tenant: self.tenant.as_ref().map(fact),
            same_tenant: self.same_tenant.as_ref().map(fact),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("organizations.id", Some(("public", "organizations", "id")))]
    #[case("auth.users.id", Some(("auth", "users", "id")))]
    #[case("Tenant.tenantId", Some(("public", "Tenant", "tenantId")))]
    #[case("organizations", None)]
    #[case("a..b", None)]
    #[case("a.b.c.d", None)]
    #[case(".id", None)]
    fn references_parse(#[case] text: &str, #[case] expected: Option<(&str, &str, &str)>) {
        let got = Reference::parse(text, "public");
        let got = got.as_ref().map(|r| {
            (
                r.table.schema.as_str(),
                r.table.name.as_str(),
                r.column.as_str(),
            )
        });
        assert_eq!(got, expected);
    }

    fn at(line: usize) -> Location {
        Location {
            path: "x.toml".into(),
            line,
            column: 1,
        }
    }

    #[test]
    fn on_delete_alone_is_inconsistent() {
        let facts = ColumnFacts {
            on_delete: Some(Fact {
                value: OnDelete::Cascade,
                at: at(3),
            }),
            ..Default::default()
        };
        let err = facts.check_consistency().unwrap_err().to_string();
        assert!(
            err.starts_with("x.toml:3:1: `on_delete` needs `references`"),
            "{err}"
        );
    }
}
