//! What the database really has: one introspection of `pg_catalog` into plain structs, read once
//! after the migrations and shared read-only by every structural check; and its rendering for
//! snapshots. Serializable, so that the processes of a nextest run sharing one server read it
//! once (see `setup`).

mod load;
mod paths;
mod render;

pub use load::load;
pub use paths::{Argument, Function, View, mentions};
pub use render::render;

use serde::{Deserialize, Serialize};

use crate::names::TableName;
use crate::referential::OnDelete;

/// Every user table (ordinary and partitioned) in every non-system schema.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// Sorted by name.
    pub tables: Vec<Table>,
    /// The server's roles (built-in `pg_*` roles left out), sorted by name: what tenancy checks
    /// need to know about the role requests run as and the roles policies name.
    pub roles: Vec<Role>,
    /// Views and materialized views outside the system schemas, sorted by name: paths to a
    /// tenant's rows besides its tables.
    pub views: Vec<View>,
    /// Functions and procedures (trigger functions aside), sorted by signature: the SECURITY
    /// DEFINER ones are the other such path.
    pub functions: Vec<Function>,
}

/// A role, with what decides whether row level security applies to it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    /// `rolsuper`: row level security never applies to a superuser.
    pub superuser: bool,
    /// `rolbypassrls`.
    pub bypass_rls: bool,
    /// Roles whose privileges it has without `SET ROLE` (`pg_has_role(name, r, 'USAGE')`,
    /// itself excluded): policies naming them apply to it, and it owns what they own.
    pub privileges_of: Vec<String>,
    /// Roles it may become (`pg_has_role(name, r, 'MEMBER')`, itself excluded): one
    /// `SET ROLE` away from their attributes.
    pub member_of: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TableKind {
    Ordinary,
    Partitioned,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    pub name: TableName,
    pub kind: TableKind,
    /// The partitioned table this one is a partition of.
    pub parent: Option<TableName>,
    /// `PARTITION BY` clause of a partitioned table, e.g. `RANGE (created_at)`.
    pub partition_key: Option<String>,
    /// `FOR VALUES ...` of a partition.
    pub partition_bound: Option<String>,
    /// The role that owns the table: row level security does not apply to it unless forced.
    pub owner: String,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// Roles other than superusers that may use the table (USAGE on its schema and SELECT,
    /// INSERT, UPDATE or DELETE on it, PUBLIC's grants and inherited ones included), sorted.
    #[serde(default)]
    pub users: Vec<String>,
    /// In column order.
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub triggers: Vec<Trigger>,
    pub policies: Vec<Policy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// As `format_type()` prints it.
    pub type_: String,
    /// `attnotnull`: an INSERT or UPDATE that writes NULL is refused. On PostgreSQL 18 this
    /// holds for a `NOT NULL ... NOT VALID` constraint too, whose older rows were never read:
    /// see `not_null_not_valid`.
    pub not_null: bool,
    /// The name of PostgreSQL 18's `NOT NULL ... NOT VALID` constraint on the column (a
    /// `pg_constraint` row of type `n`, not validated): new rows are refused NULL, rows already
    /// there may hold it. `None` for a validated NOT NULL and before 18.
    #[serde(default)]
    pub not_null_not_valid: Option<String>,
    pub default: Option<String>,
    /// `a` (ALWAYS) or `d` (BY DEFAULT) for identity columns.
    pub identity: Option<char>,
    /// `GENERATED ALWAYS AS (...) STORED` or `VIRTUAL`: the server computes it, no INSERT or
    /// UPDATE writes it.
    pub generated: bool,
    /// `attgenerated = 'v'`: VIRTUAL, computed when read and never stored (PostgreSQL 18, and
    /// its default for `GENERATED ALWAYS AS (...)` without `STORED`). `generated` is true too.
    #[serde(default)]
    pub generated_virtual: bool,
    /// What a value of the column is made of, for row synthesis.
    pub value: ValueType,
}

/// A column's type seen through its domains: what a synthesized value must be.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValueType {
    /// The type under any domains, with its modifier: `character varying(20)`, `numeric(5,2)`.
    pub base: String,
    /// The same without modifier, to recognise it: `character varying`, `numeric`.
    pub base_name: String,
    /// `pg_type.typcategory` of the base: `N` numeric, `S` string, `E` enum, `A` array, `U` user…
    pub category: char,
    /// Enum labels in order: of the base, or of an array's element.
    pub labels: Vec<String>,
    /// `CHECK (...)` of every domain the type is built on.
    pub domain_checks: Vec<String>,
    /// An array's element type and its category.
    pub element: Option<(String, char)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    pub columns: Vec<String>,
    pub validated: bool,
    pub deferrable: bool,
    pub deferred: bool,
    /// Cloned from the partitioned parent's constraint.
    pub inherited: bool,
    /// `pg_get_constraintdef`.
    pub definition: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check,
    Exclusion,
    ForeignKey(ForeignKey),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForeignKey {
    pub target: TableName,
    pub target_columns: Vec<String>,
    pub on_delete: OnDelete,
    pub on_update: OnDelete,
    /// `MATCH FULL` (`pg_constraint.confmatchtype = 'f'`): a row with some columns NULL and
    /// others not is refused. Deferrability is the constraint's ([`Constraint::deferrable`]).
    pub match_full: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub valid: bool,
    pub unique: bool,
    pub primary: bool,
    pub partial: bool,
    /// Key columns in order (INCLUDE columns excluded); `None` for an expression.
    pub key_columns: Vec<Option<String>>,
    /// `pg_get_indexdef`.
    pub definition: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// `pg_trigger.tgenabled`: `O` origin, `D` disabled, `R` replica, `A` always.
    pub enabled: char,
    pub definition: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub command: String,
    pub permissive: bool,
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub check: Option<String>,
}

impl Catalog {
    pub fn table(&self, name: &TableName) -> Option<&Table> {
        self.tables
            .binary_search_by(|t| t.name.cmp(name))
            .ok()
            .map(|i| &self.tables[i])
    }

    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles
            .binary_search_by(|r| r.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.roles[i])
    }

    /// Every partition below `table`, at any depth (sub-partitions included), sorted by name.
    pub fn partitions(&self, table: &Table) -> Vec<&Table> {
        let mut found = Vec::new();
        let mut queue = vec![&table.name];
        while let Some(parent) = queue.pop() {
            for t in &self.tables {
                if t.parent.as_ref() == Some(parent) {
                    found.push(t);
                    queue.push(&t.name);
                }
            }
        }
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found
    }

    /// `table` followed by every partition below it: where a fact that must hold "on the table
    /// and every partition" is checked.
    pub fn with_partitions<'a>(&'a self, table: &'a Table) -> Vec<&'a Table> {
        let mut all = vec![table];
        all.extend(self.partitions(table));
        all
    }
}

impl Table {
    /// A table with nothing in it yet, for unit tests that build a catalog by hand.
    #[cfg(test)]
    pub fn empty(name: TableName, kind: TableKind) -> Self {
        Self {
            name,
            kind,
            parent: None,
            partition_key: None,
            partition_bound: None,
            owner: "postgres".into(),
            rls_enabled: false,
            rls_forced: false,
            users: Vec::new(),
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            triggers: Vec::new(),
            policies: Vec::new(),
        }
    }

    /// Adds a validated single-column foreign key `column → target (target_column)`, for unit
    /// tests that build a catalog by hand.
    #[cfg(test)]
    pub fn add_foreign_key(
        &mut self,
        name: String,
        column: &str,
        target: TableName,
        target_column: &str,
        on_delete: OnDelete,
    ) {
        self.constraints.push(Constraint {
            name,
            kind: ConstraintKind::ForeignKey(ForeignKey {
                target,
                target_columns: vec![target_column.to_string()],
                on_delete,
                on_update: OnDelete::NoAction,
                match_full: false,
            }),
            columns: vec![column.to_string()],
            validated: true,
            deferrable: false,
            deferred: false,
            inherited: false,
            definition: String::new(),
        });
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey))
    }

    /// Foreign keys, with their constraint.
    pub fn foreign_keys(&self) -> impl Iterator<Item = (&Constraint, &ForeignKey)> {
        self.constraints.iter().filter_map(|c| match &c.kind {
            ConstraintKind::ForeignKey(fk) => Some((c, fk)),
            _ => None,
        })
    }
}

impl Constraint {
    /// False for PostgreSQL 18's `NOT ENFORCED` CHECK or foreign key: in the catalog, never
    /// checked (`convalidated` is false too). Read from `pg_get_constraintdef`, which ends with
    /// the clause, so the query runs unchanged on servers without `conenforced`.
    pub fn enforced(&self) -> bool {
        !self.definition.ends_with(" NOT ENFORCED")
    }
}
