//! `<table>::<col>::fk`: a validated foreign key from exactly this column to exactly the
//! referenced column, with the declared ON DELETE, on the table and on every partition, between
//! columns of the same type.
//!
//! This is the promise tenant isolation rests on, and the one migrations break silently: a
//! repartitioning that forgets the FK, a `NOT VALID` constraint never validated, an `integer`
//! column pointing at a `bigint` id (PostgreSQL accepts it; the first id past 2^31 does not).

use super::{Context, Failure, Named, Verdict, derived_name, unless_exists};
use crate::catalog::{Table, TableKind};
use crate::names::{TableName, ident};
use crate::spec::{Fact, OnDelete, Reference};

pub fn check(
    ctx: &Context<'_>,
    table: &TableName,
    column: &str,
    references: &Fact<Reference>,
    on_delete: Option<&Fact<OnDelete>>,
) -> Verdict {
    let target = &references.value;
    let action = on_delete
        .map(|d| format!(" ON DELETE {}", d.value.sql()))
        .unwrap_or_default();
    let promise = format!(
        "{}.{column} references {}{action}",
        ctx.show(table),
        target.display(ctx.schema())
    );
    let at = &references.at;
    let (t, col) = ctx.column(table, column, at, &promise)?;
    let (_, target_col) = ctx.column(&target.table, &target.column, at, &promise)?;

    let mut problems = Vec::new();
    let mut repair = Repair::default();
    for part in ctx.catalog.with_partitions(t) {
        let Err(problem) = problem_on(part, column, target, on_delete.map(|d| d.value)) else {
            continue;
        };
        let here = part.name == t.name;
        match problem {
            Problem::NotValidated(name) => {
                problems.push(format!(
                    "{}: {name} is NOT VALID (existing rows were never checked)",
                    ctx.show(&part.name)
                ));
                repair.validate.push((part.name.clone(), name));
            }
            Problem::Other(text, wrong) => {
                problems.push(format!("{}: {text}", ctx.show(&part.name)));
                repair
                    .drop
                    .extend(wrong.into_iter().map(|n| (part.name.clone(), n)));
                repair.add |= here;
            }
        }
    }
    repair.retype = (col.type_ != target_col.type_).then(|| target_col.type_.clone());
    if col.type_ != target_col.type_ {
        problems.push(format!(
            "{}.{column} is {} but {} is {}",
            ctx.show(table),
            col.type_,
            target.display(ctx.schema()),
            target_col.type_
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let scope = match ctx.catalog.partitions(t).len() {
        0 => String::new(),
        n => format!(" on {} and its {n} partition(s)", ctx.show(table)),
    };
    Err(Failure {
        at: Some(at.clone()),
        promise,
        expected: format!(
            "a validated FOREIGN KEY ({column}) REFERENCES {}({}){action}{scope}, both columns {}",
            target.table.display(ctx.schema()),
            target.column,
            target_col.type_
        ),
        found: problems.join("\n"),
        fix: Some(repair.sql(t, column, target, on_delete)),
    })
}

enum Problem {
    /// The right FK exists but was added NOT VALID and never validated.
    NotValidated(String),
    /// What is wrong, and the names of FKs on the column that should be replaced.
    Other(String, Vec<String>),
}

/// Whether `table` itself has the right FK on `column`.
fn problem_on(
    table: &Table,
    column: &str,
    target: &Reference,
    on_delete: Option<OnDelete>,
) -> Result<(), Problem> {
    let on_column: Vec<_> = table
        .foreign_keys()
        .filter(|(c, _)| c.columns.iter().any(|n| n == column))
        .collect();
    let to_target = |fk: &crate::catalog::ForeignKey| {
        fk.target == target.table && fk.target_columns == [target.column.clone()]
    };
    let matching: Vec<_> = on_column
        .iter()
        .filter(|(c, fk)| c.columns == [column.to_string()] && to_target(fk))
        .collect();
    let acts_as_declared =
        |fk: &crate::catalog::ForeignKey| on_delete.is_none_or(|d| fk.on_delete == d);
    if matching
        .iter()
        .any(|(c, fk)| c.validated && acts_as_declared(fk))
    {
        return Ok(());
    }
    if let Some((c, _)) = matching.iter().find(|(_, fk)| acts_as_declared(fk)) {
        return Err(Problem::NotValidated(c.name.clone()));
    }
    if let Some((c, fk)) = matching.first() {
        let declared = on_delete.map(OnDelete::sql).unwrap_or_default();
        return Err(Problem::Other(
            format!(
                "{} has ON DELETE {} instead of {declared}",
                c.name,
                fk.on_delete.sql()
            ),
            vec![c.name.clone()],
        ));
    }
    if on_column.is_empty() {
        return Err(Problem::Other(
            format!("no foreign key on {column}"),
            Vec::new(),
        ));
    }
    let described: Vec<String> = on_column
        .iter()
        .filter(|(c, fk)| {
            !(c.inherited && fk.target != target.table && c.columns == [column.to_string()])
        })
        .map(|(c, _)| format!("{} {}", c.name, c.definition))
        .collect();
    let replace = on_column
        .iter()
        .filter(|(c, _)| c.columns == [column.to_string()] && !c.inherited)
        .map(|(c, _)| c.name.clone())
        .collect();
    Err(Problem::Other(
        format!(
            "no foreign key from ({column}) to {}; found {}",
            target.table,
            described.join("; ")
        ),
        replace,
    ))
}

/// What the fix has to do, gathered table by table.
#[derive(Default)]
struct Repair {
    /// The referenced column's type, when the column's differs.
    retype: Option<String>,
    /// FKs on the column that point elsewhere or act differently.
    drop: Vec<(TableName, String)>,
    /// The table itself lacks the right FK.
    add: bool,
    /// Right FKs that were added NOT VALID.
    validate: Vec<(TableName, String)>,
}

impl Repair {
    /// Idempotent SQL: drop FKs that are wrong, add the right one guarded by IF NOT EXISTS,
    /// `NOT VALID` then `VALIDATE` so existing rows are checked without a long exclusive lock.
    fn sql(
        &self,
        table: &Table,
        column: &str,
        target: &Reference,
        on_delete: Option<&Fact<OnDelete>>,
    ) -> String {
        let mut sql = String::new();
        if let Some(target_type) = &self.retype {
            sql.push_str(&format!(
                "-- rewrites the table under an ACCESS EXCLUSIVE lock\nALTER TABLE {} ALTER COLUMN {} TYPE {target_type};\n",
                table.name.sql(),
                ident(column)
            ));
        }
        for (owner, name) in &self.drop {
            sql.push_str(&format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {};\n",
                owner.sql(),
                ident(name)
            ));
        }
        if self.add {
            let name = derived_name(&table.name.name, column, "fkey");
            let partitioned = table.kind == TableKind::Partitioned;
            let action = on_delete
                .map(|d| format!(" ON DELETE {}", d.value.sql()))
                .unwrap_or_default();
            let not_valid = if partitioned { "" } else { " NOT VALID" };
            if partitioned {
                sql.push_str("-- a partitioned table cannot take a NOT VALID foreign key: this checks every row while it runs\n");
            }
            let add = format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){action}{not_valid}",
                table.name.sql(),
                ident(&name),
                ident(column),
                target.table.sql(),
                ident(&target.column),
            );
            sql.push_str(&unless_exists(Named::Constraint, &table.name, &name, &add));
            sql.push('\n');
            if !partitioned {
                sql.push_str(&format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {};\n",
                    table.name.sql(),
                    ident(&name)
                ));
            }
        }
        for (owner, name) in &self.validate {
            sql.push_str(&format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {};\n",
                owner.sql(),
                ident(name)
            ));
        }
        sql.trim_end().to_string()
    }
}

/// The SQL that makes the foreign key what `references` and `on_delete` say, when the catalog
/// shows it is not: the fix a behavioural failure points to when the structure is the cause.
pub(super) fn repair(
    ctx: &Context<'_>,
    table: &TableName,
    column: &str,
    references: &Fact<Reference>,
    on_delete: Option<&Fact<OnDelete>>,
) -> Option<String> {
    check(ctx, table, column, references, on_delete)
        .err()
        .and_then(|f| f.fix)
}
