//! The referential actions of a foreign key (`ON DELETE` / `ON UPDATE`): a value both what
//! users write (`on_delete = "cascade"` in a table file) and what the catalog reads
//! (`pg_constraint.confdeltype`) speak, so it sits below both.

use serde::Deserialize;

/// What deleting a referenced row does to the referencing rows (`ON DELETE ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum OnDelete {
    #[serde(rename = "cascade")]
    Cascade,
    #[serde(rename = "set null")]
    SetNull,
    #[serde(rename = "set default")]
    SetDefault,
    #[serde(rename = "restrict")]
    Restrict,
    #[serde(rename = "no action")]
    NoAction,
}

impl OnDelete {
    /// The SQL words, e.g. `SET NULL`.
    pub fn sql(self) -> &'static str {
        match self {
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
            Self::Restrict => "RESTRICT",
            Self::NoAction => "NO ACTION",
        }
    }

    /// The spelling the table files use: `set null`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cascade => "cascade",
            Self::SetNull => "set null",
            Self::SetDefault => "set default",
            Self::Restrict => "restrict",
            Self::NoAction => "no action",
        }
    }

    /// From `pg_constraint.confdeltype`.
    pub fn from_catalog(code: &str) -> Option<Self> {
        Some(match code {
            "c" => Self::Cascade,
            "n" => Self::SetNull,
            "d" => Self::SetDefault,
            "r" => Self::Restrict,
            "a" => Self::NoAction,
            _ => return None,
        })
    }
}
