//! Repairs as values: the SQL that makes a failing promise hold, step by step, each step saying
//! where it may run. `pg-invariants fix` schedules the steps into migrations
//! (`fix`) and a failing test's message shows them rendered as SQL; nothing re-reads
//! the SQL text to learn what it does.
//!
//! The builders several checks share live here too, so that no check reaches into another's
//! file: the guarded `DO $$ … IF NOT EXISTS … $$` statement, derived constraint names, and the
//! foreign-key repair that `fk`, `rejects_invalid` and `on_delete` all point to.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{Constraint, ForeignKey, Table, TableKind};
use crate::checks::Context;
use crate::names::{TableName, ident, literal};
use crate::referential::OnDelete;
use crate::spec::{Fact, Reference};

/// What a failure offers to make its promise hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fix {
    /// SQL: `pg-invariants fix` writes it as migrations.
    Sql(Repair),
    /// Something only a person can do (accept a snapshot): shown, never written.
    Advice(String),
}

impl From<Repair> for Fix {
    fn from(repair: Repair) -> Self {
        Self::Sql(repair)
    }
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sql(repair) => repair.fmt(f),
            Self::Advice(text) => f.write_str(text),
        }
    }
}

/// The SQL that makes a promise hold: idempotent steps in the order they must run, then notes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Repair {
    pub steps: Vec<Step>,
    /// Comment lines after the steps (without `-- `): an alternative, or a statement a person
    /// must review and run (an orphan DELETE). A repair with notes and no steps repairs nothing.
    pub notes: Vec<String>,
    /// Why the steps cannot run as written until a person edits them (a backfill whose value
    /// only they know), or `None` when they can.
    pub needs: Option<String>,
}

/// One statement of a repair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Comment lines before the statement (without `-- `).
    pub notes: Vec<String>,
    /// One statement, ending with `;`.
    pub sql: String,
    pub runs: Runs,
    /// The table the statement changes: its snapshot changes with it. `None` for a statement
    /// on the server rather than a table (`ALTER ROLE`).
    pub table: Option<TableName>,
}

/// Where a step may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Runs {
    /// In a transaction, with the steps before it.
    InTransaction,
    /// In a transaction begun after the steps before it committed: `VALIDATE CONSTRAINT` after
    /// the `NOT VALID` add, which then checks the existing rows under a lock that blocks no
    /// writes (in the add's transaction it would keep the add's stronger lock).
    AfterCommit,
    /// Outside any transaction block (`CREATE INDEX CONCURRENTLY`), alone in its migration.
    Outside,
}

impl Step {
    /// A step in a transaction.
    pub fn new(table: &TableName, sql: impl Into<String>) -> Self {
        Self {
            notes: Vec::new(),
            sql: sql.into(),
            runs: Runs::InTransaction,
            table: Some(table.clone()),
        }
    }

    /// A step in a transaction that changes no table (a role).
    pub fn server(sql: impl Into<String>) -> Self {
        Self {
            notes: Vec::new(),
            sql: sql.into(),
            runs: Runs::InTransaction,
            table: None,
        }
    }

    pub fn runs(mut self, runs: Runs) -> Self {
        self.runs = runs;
        self
    }

    pub fn note(mut self, line: impl Into<String>) -> Self {
        self.notes.push(line.into());
        self
    }

    /// `ALTER TABLE … VALIDATE CONSTRAINT …`, after the add committed.
    pub fn validate(table: &TableName, constraint: &str) -> Self {
        Self::new(
            table,
            format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                table.sql(),
                ident(constraint)
            ),
        )
        .runs(Runs::AfterCommit)
    }

    /// `ALTER TABLE … ALTER CONSTRAINT … ENFORCED`: PostgreSQL 18's NOT ENFORCED foreign key
    /// made to check, existing rows included (VALIDATE refuses a NOT ENFORCED constraint).
    pub fn enforce(table: &TableName, constraint: &str) -> Self {
        Self::new(
            table,
            format!(
                "ALTER TABLE {} ALTER CONSTRAINT {} ENFORCED;",
                table.sql(),
                ident(constraint)
            ),
        )
    }

    /// `ALTER TABLE … DROP CONSTRAINT IF EXISTS …`.
    pub fn drop_constraint(table: &TableName, constraint: &str) -> Self {
        Self::new(
            table,
            format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {};",
                table.sql(),
                ident(constraint)
            ),
        )
    }
}

impl Repair {
    pub fn new(steps: Vec<Step>) -> Self {
        Self {
            steps,
            ..Self::default()
        }
    }

    pub fn note(mut self, line: impl Into<String>) -> Self {
        self.notes.push(line.into());
        self
    }

    /// True when it has no statement to run: only notes for a person.
    pub fn is_advice(&self) -> bool {
        self.steps.is_empty()
    }

    /// Every table a step changes, in order, each once.
    pub fn tables(&self) -> Vec<&TableName> {
        let mut tables: Vec<&TableName> = Vec::new();
        for table in self.steps.iter().filter_map(|s| s.table.as_ref()) {
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
        tables
    }
}

/// The notes as `--` lines, then the statement.
impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for note in &self.notes {
            writeln!(f, "{}", comment(note))?;
        }
        f.write_str(&self.sql)
    }
}

/// The repair as one SQL script: each step, then the notes as `--` lines.
impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines: Vec<String> = self.steps.iter().map(Step::to_string).collect();
        lines.extend(self.notes.iter().map(|n| comment(n)));
        f.write_str(&lines.join("\n"))
    }
}

/// `-- line`.
pub fn comment(line: &str) -> String {
    format!("-- {line}")
}

/// What a guarded statement creates, and where PostgreSQL lists it.
pub enum Named {
    Constraint,
    Trigger,
}

/// `DO $$ … IF NOT EXISTS … $$;`: runs `statement` only when `table` has no constraint (or
/// trigger) called `name`, so a fix run twice changes nothing.
pub fn unless_exists(kind: Named, table: &TableName, name: &str, statement: &str) -> String {
    let (catalog, relation, named) = match kind {
        Named::Constraint => ("pg_constraint", "conrelid", "conname"),
        Named::Trigger => ("pg_trigger", "tgrelid", "tgname"),
    };
    format!(
        "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM {catalog} WHERE {relation} = {}::regclass AND {named} = {}) THEN\n    {statement};\n  END IF;\nEND $$;",
        literal(&table.sql()),
        literal(name)
    )
}

/// A constraint or index name as PostgreSQL would derive it: `<table>_<columns>_<suffix>`,
/// cut to the 63-byte identifier limit.
pub fn derived_name(table: &str, column: &str, suffix: &str) -> String {
    let mut base = format!("{table}_{column}");
    let max = 63 - suffix.len() - 1;
    while base.len() > max {
        base.pop();
    }
    format!("{base}_{suffix}")
}

/// What is wrong with the foreign key of a column, and the repair.
pub struct ForeignKeyRepair {
    /// One line per table (or partition) that lacks the right FK, and one for a type mismatch.
    pub problems: Vec<String>,
    pub repair: Repair,
}

/// Whether `column` of `table` has a validated FK to `references` acting as `on_delete` on the
/// table and every partition, between columns of one type; `None` when it has (or when a table
/// or column is missing: the checks report that themselves).
pub fn foreign_key(
    ctx: &Context<'_>,
    table: &TableName,
    column: &str,
    references: &Fact<Reference>,
    on_delete: Option<&Fact<OnDelete>>,
) -> Option<ForeignKeyRepair> {
    let target = &references.value;
    let on_delete = on_delete.map(|d| d.value);
    let t = ctx.catalog.table(table)?;
    let col = t.column(column)?;
    let target_col = ctx.catalog.table(&target.table)?.column(&target.column)?;
    let mut problems = Vec::new();
    let mut plan = Plan::default();
    for part in ctx.catalog.with_partitions(t) {
        let Err(problem) = problem_on(part, column, target, on_delete) else {
            continue;
        };
        match problem {
            Problem::NotValidated { name, enforced } => {
                let state = if enforced {
                    "is NOT VALID (existing rows were never checked)"
                } else {
                    "is NOT ENFORCED (no row, old or new, is checked)"
                };
                problems.push(format!("{}: {name} {state}", ctx.show(&part.name)));
                plan.validate.push((part.name.clone(), name, enforced));
            }
            Problem::Other { text, wrong } => {
                problems.push(format!("{}: {text}", ctx.show(&part.name)));
                let here = part.name == t.name;
                if here && plan.kept.is_none() {
                    plan.kept = wrong.first().map(|(_, properties)| properties.clone());
                }
                plan.drop
                    .extend(wrong.into_iter().map(|(n, _)| (part.name.clone(), n)));
                plan.add |= here;
            }
        }
    }
    if col.type_ != target_col.type_ {
        problems.push(format!(
            "{}.{column} is {} but {} is {}",
            ctx.show(table),
            col.type_,
            target.display(ctx.schema()),
            target_col.type_
        ));
        plan.retype = Some(target_col.type_.clone());
    }
    if problems.is_empty() {
        return None;
    }
    Some(ForeignKeyRepair {
        problems,
        repair: plan.repair(t, column, target, on_delete),
    })
}

/// What a wrong FK has that its replacement keeps: everything but where it points and its ON
/// DELETE (Prisma writes `ON UPDATE CASCADE`; a deferred FK lets a transaction insert children
/// first).
#[derive(Debug, Clone, Default)]
struct Properties {
    on_delete: Option<OnDelete>,
    on_update: Option<OnDelete>,
    match_full: bool,
    deferrable: bool,
    deferred: bool,
}

impl Properties {
    fn of(constraint: &Constraint, fk: &ForeignKey) -> Self {
        Self {
            on_delete: Some(fk.on_delete),
            on_update: Some(fk.on_update).filter(|u| *u != OnDelete::NoAction),
            match_full: fk.match_full,
            deferrable: constraint.deferrable,
            deferred: constraint.deferred,
        }
    }
}

enum Problem {
    /// The right FK exists but was added NOT VALID and never validated, or (PostgreSQL 18)
    /// NOT ENFORCED, which PostgreSQL refuses to VALIDATE.
    NotValidated { name: String, enforced: bool },
    /// What is wrong, and the FKs on the column that should be replaced, with what they have.
    Other {
        text: String,
        wrong: Vec<(String, Properties)>,
    },
}

/// Whether `table` itself has the right FK on `column`.
fn problem_on(
    table: &Table,
    column: &str,
    target: &Reference,
    on_delete: Option<OnDelete>,
) -> Result<(), Problem> {
    let alone = [column.to_string()];
    let on_column: Vec<_> = table
        .foreign_keys()
        .filter(|(c, _)| c.columns.iter().any(|n| n == column))
        .collect();
    let to_target =
        |fk: &ForeignKey| fk.target == target.table && fk.target_columns == [target.column.clone()];
    let matching: Vec<_> = on_column
        .iter()
        .filter(|(c, fk)| c.columns == alone && to_target(fk))
        .collect();
    let acts_as_declared = |fk: &ForeignKey| on_delete.is_none_or(|d| fk.on_delete == d);
    if matching
        .iter()
        .any(|(c, fk)| c.validated && acts_as_declared(fk))
    {
        return Ok(());
    }
    if let Some((c, _)) = matching.iter().find(|(_, fk)| acts_as_declared(fk)) {
        return Err(Problem::NotValidated {
            name: c.name.clone(),
            enforced: c.enforced(),
        });
    }
    if let Some((c, fk)) = matching.first() {
        let declared = on_delete.map(OnDelete::sql).unwrap_or_default();
        return Err(Problem::Other {
            text: format!(
                "{} has ON DELETE {} instead of {declared}",
                c.name,
                fk.on_delete.sql()
            ),
            wrong: vec![(c.name.clone(), Properties::of(c, fk))],
        });
    }
    if on_column.is_empty() {
        return Err(Problem::Other {
            text: format!("no foreign key on {column}"),
            wrong: Vec::new(),
        });
    }
    let described: Vec<String> = on_column
        .iter()
        .filter(|(c, fk)| !(c.inherited && fk.target != target.table && c.columns == alone))
        .map(|(c, _)| format!("{} {}", c.name, c.definition))
        .collect();
    let wrong = on_column
        .iter()
        .filter(|(c, _)| c.columns == alone && !c.inherited)
        .map(|(c, fk)| (c.name.clone(), Properties::of(c, fk)))
        .collect();
    Err(Problem::Other {
        text: format!(
            "no foreign key from ({column}) to {}; found {}",
            target.table,
            described.join("; ")
        ),
        wrong,
    })
}

/// What the FK repair has to do, gathered table by table.
#[derive(Default)]
struct Plan {
    /// The referenced column's type, when the column's differs.
    retype: Option<String>,
    /// FKs on the column that point elsewhere or act differently.
    drop: Vec<(TableName, String)>,
    /// What the first of them on the table itself has, which the new FK keeps.
    kept: Option<Properties>,
    /// The table itself lacks the right FK.
    add: bool,
    /// Right FKs that were added NOT VALID (true) or NOT ENFORCED (false).
    validate: Vec<(TableName, String, bool)>,
}

impl Plan {
    /// Drop FKs that are wrong, add the right one guarded by IF NOT EXISTS, `NOT VALID` then
    /// `VALIDATE` so existing rows are checked without a long exclusive lock.
    fn repair(
        self,
        table: &Table,
        column: &str,
        target: &Reference,
        on_delete: Option<OnDelete>,
    ) -> Repair {
        let mut steps = Vec::new();
        if let Some(target_type) = &self.retype {
            steps.push(
                Step::new(
                    &table.name,
                    format!(
                        "ALTER TABLE {} ALTER COLUMN {} TYPE {target_type};",
                        table.name.sql(),
                        ident(column)
                    ),
                )
                .note("rewrites the table under an ACCESS EXCLUSIVE lock"),
            );
        }
        for (owner, name) in &self.drop {
            steps.push(Step::drop_constraint(owner, name));
        }
        if self.add {
            steps.extend(add_foreign_key(
                table,
                column,
                target,
                on_delete,
                self.kept.unwrap_or_default(),
            ));
        }
        for (owner, name, enforced) in &self.validate {
            steps.push(match enforced {
                true => Step::validate(owner, name),
                false => Step::enforce(owner, name),
            });
        }
        Repair::new(steps)
    }
}

/// The guarded ADD CONSTRAINT (`NOT VALID`, then its validation, except on a partitioned table,
/// which cannot take a `NOT VALID` FK).
fn add_foreign_key(
    table: &Table,
    column: &str,
    target: &Reference,
    on_delete: Option<OnDelete>,
    kept: Properties,
) -> Vec<Step> {
    let key = NewKey {
        name: derived_name(&table.name.name, column, "fkey"),
        columns: vec![column.to_string()],
        target: &target.table,
        target_columns: vec![target.column.clone()],
    };
    add_key(table, &key, on_delete, kept)
}

/// A foreign key to add: its name, columns and what it references.
struct NewKey<'a> {
    name: String,
    columns: Vec<String>,
    target: &'a TableName,
    target_columns: Vec<String>,
}

/// The foreign key `constraint` of `table` again with `on_delete` instead of its own: dropped,
/// then added back under its name with its columns, target and every other property it had
/// (`NOT VALID` then validated, so existing rows are checked without a long exclusive lock).
pub fn replace_on_delete(
    table: &Table,
    constraint: &Constraint,
    fk: &ForeignKey,
    on_delete: OnDelete,
) -> Repair {
    let key = NewKey {
        name: constraint.name.clone(),
        columns: constraint.columns.clone(),
        target: &fk.target,
        target_columns: fk.target_columns.clone(),
    };
    let mut steps = vec![Step::drop_constraint(&table.name, &constraint.name)];
    steps.extend(add_key(
        table,
        &key,
        Some(on_delete),
        Properties::of(constraint, fk),
    ));
    Repair::new(steps)
}

fn add_key(
    table: &Table,
    key: &NewKey<'_>,
    on_delete: Option<OnDelete>,
    kept: Properties,
) -> Vec<Step> {
    let partitioned = table.kind == TableKind::Partitioned;
    let matching = if kept.match_full { " MATCH FULL" } else { "" };
    let on_delete = on_delete
        .or(kept.on_delete.filter(|d| *d != OnDelete::NoAction))
        .map(|d| format!(" ON DELETE {}", d.sql()))
        .unwrap_or_default();
    let on_update = kept
        .on_update
        .map(|u| format!(" ON UPDATE {}", u.sql()))
        .unwrap_or_default();
    let deferrable = match (kept.deferrable, kept.deferred) {
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        (false, _) => "",
    };
    let not_valid = if partitioned { "" } else { " NOT VALID" };
    let list = |columns: &[String]| {
        columns
            .iter()
            .map(|c| ident(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let add = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){matching}{on_delete}{on_update}{deferrable}{not_valid}",
        table.name.sql(),
        ident(&key.name),
        list(&key.columns),
        key.target.sql(),
        list(&key.target_columns),
    );
    let mut step = Step::new(
        &table.name,
        unless_exists(Named::Constraint, &table.name, &key.name, &add),
    );
    if partitioned {
        step = step.note("a partitioned table cannot take a NOT VALID foreign key: this checks every row while it runs");
        return vec![step];
    }
    vec![step, Step::validate(&table.name, &key.name)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> TableName {
        TableName::new("public", "t")
    }

    #[test]
    fn a_repair_renders_notes_before_their_statement_and_its_own_notes_last() {
        let repair = Repair::new(vec![
            Step::new(&t(), "ALTER TABLE t ADD c int;").note("first"),
            Step::validate(&t(), "c"),
        ])
        .note("or change the invariant");
        assert_eq!(
            repair.to_string(),
            "-- first\nALTER TABLE t ADD c int;\nALTER TABLE \"public\".\"t\" VALIDATE CONSTRAINT \"c\";\n-- or change the invariant"
        );
        assert_eq!(repair.steps[1].runs, Runs::AfterCommit);
        assert_eq!(repair.tables(), [&t()]);
        assert!(!repair.is_advice());
        assert!(Repair::default().note("review").is_advice());
    }

    fn table(kind: TableKind) -> Table {
        Table::empty(TableName::new("public", "Post"), kind)
    }

    fn tenant() -> Reference {
        Reference {
            table: TableName::new("public", "Tenant"),
            column: "id".into(),
        }
    }

    #[test]
    fn a_recreated_foreign_key_keeps_what_the_invariant_does_not_change() {
        let kept = Properties {
            on_delete: Some(OnDelete::Restrict),
            on_update: Some(OnDelete::Cascade),
            match_full: true,
            deferrable: true,
            deferred: true,
        };
        let steps = add_foreign_key(
            &table(TableKind::Ordinary),
            "tenantId",
            &tenant(),
            Some(OnDelete::Cascade),
            kept.clone(),
        );
        assert!(
            steps[0].sql.contains("REFERENCES \"public\".\"Tenant\" (\"id\") MATCH FULL ON DELETE CASCADE ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID;"),
            "{}",
            steps[0].sql
        );
        assert_eq!(steps[1].runs, Runs::AfterCommit);
        // No ON DELETE declared: the old one stays; a partitioned table takes no NOT VALID.
        let steps = add_foreign_key(
            &table(TableKind::Partitioned),
            "tenantId",
            &tenant(),
            None,
            kept,
        );
        assert_eq!(steps.len(), 1);
        assert!(
            steps[0].sql.contains(
                "MATCH FULL ON DELETE RESTRICT ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;"
            ),
            "{}",
            steps[0].sql
        );
        // A new FK has PostgreSQL's defaults, written by nobody.
        let steps = add_foreign_key(
            &table(TableKind::Ordinary),
            "tenantId",
            &tenant(),
            None,
            Properties::default(),
        );
        assert!(
            steps[0].sql.contains("(\"id\") NOT VALID;"),
            "{}",
            steps[0].sql
        );
    }

    #[test]
    fn a_foreign_key_given_another_on_delete_keeps_its_name_columns_and_properties() {
        use crate::catalog::ConstraintKind;
        let constraint = Constraint {
            name: "tags_event_fkey".into(),
            kind: ConstraintKind::Check,
            columns: vec!["event_id".into(), "event_kind".into()],
            validated: true,
            deferrable: true,
            deferred: false,
            inherited: false,
            definition: String::new(),
        };
        let fk = ForeignKey {
            target: TableName::new("public", "events"),
            target_columns: vec!["id".into(), "kind".into()],
            on_delete: OnDelete::NoAction,
            on_update: OnDelete::Cascade,
            match_full: true,
        };
        let repair = replace_on_delete(
            &table(TableKind::Ordinary),
            &constraint,
            &fk,
            OnDelete::Cascade,
        );
        assert_eq!(repair.steps.len(), 3);
        assert!(
            repair.steps[0]
                .sql
                .contains("DROP CONSTRAINT IF EXISTS \"tags_event_fkey\"")
        );
        assert!(
            repair.steps[1].sql.contains("ADD CONSTRAINT \"tags_event_fkey\" FOREIGN KEY (\"event_id\", \"event_kind\") REFERENCES \"public\".\"events\" (\"id\", \"kind\") MATCH FULL ON DELETE CASCADE ON UPDATE CASCADE DEFERRABLE NOT VALID;"),
            "{}",
            repair.steps[1].sql
        );
        assert_eq!(repair.steps[2].runs, Runs::AfterCommit);
    }

    /// PostgreSQL 18's NOT ENFORCED key is not validated either, but VALIDATE refuses it: it is
    /// named for what it is and made ENFORCED; a NOT VALID one is still validated.
    #[test]
    fn a_not_enforced_foreign_key_is_enforced_not_validated() {
        let mut post = table(TableKind::Ordinary);
        let fk = |name: &str, definition: &str, post: &mut Table| {
            post.add_foreign_key(
                name.into(),
                "tenantId",
                tenant().table,
                "id",
                OnDelete::NoAction,
            );
            let added = post.constraints.last_mut().expect("the key");
            added.validated = false;
            added.definition = definition.into();
        };
        let definition = "FOREIGN KEY (\"tenantId\") REFERENCES \"Tenant\"(id)";
        fk(
            "post_fkey",
            &format!("{definition} NOT ENFORCED"),
            &mut post,
        );
        assert!(!post.constraints[0].enforced());
        let Err(Problem::NotValidated { name, enforced }) =
            problem_on(&post, "tenantId", &tenant(), None)
        else {
            panic!("the key is not validated");
        };
        assert_eq!((name.as_str(), enforced), ("post_fkey", false));
        let plan = Plan {
            validate: vec![(post.name.clone(), name, enforced)],
            ..Plan::default()
        };
        let repair = plan.repair(&post, "tenantId", &tenant(), None).to_string();
        assert_eq!(
            repair,
            "ALTER TABLE \"public\".\"Post\" ALTER CONSTRAINT \"post_fkey\" ENFORCED;"
        );

        let mut post = table(TableKind::Ordinary);
        fk("post_fkey", &format!("{definition} NOT VALID"), &mut post);
        assert!(post.constraints[0].enforced());
        assert!(matches!(
            problem_on(&post, "tenantId", &tenant(), None),
            Err(Problem::NotValidated { enforced: true, .. })
        ));
    }

    #[test]
    fn derived_names_fit_the_identifier_limit() {
        let name = derived_name(&"x".repeat(70), "org_id", "fkey");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_fkey"));
    }
}
