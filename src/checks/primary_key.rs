//! `<table>::primary_key`: the primary key is exactly these columns, in this order (the order
//! decides which lookups the key's index serves).

use super::machinery::repair::{Repair, Step};
use super::{Check, Context, Failure, Verdict};
use crate::names::{TableName, ident, literal};
use crate::spec::Fact;

pub struct Promise<'a> {
    pub table: &'a TableName,
    pub columns: &'a Fact<Vec<String>>,
}

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self { table, columns } = *self;
        let expected = format!("({})", columns.value.join(", "));
        let promise = format!("the primary key of {} is {expected}", ctx.show(table));
        let t = ctx.table(table, &columns.at, &promise)?;
        let pk = t.primary_key();
        if pk.is_some_and(|pk| pk.columns == columns.value) {
            return Ok(());
        }
        let found = match pk {
            Some(pk) => format!("primary key {} ({})", pk.name, pk.columns.join(", ")),
            None => "no primary key".to_string(),
        };
        Err(Failure {
            at: Some(columns.at.clone()),
            promise,
            expected: format!("primary key {expected}"),
            found,
            fix: Some(fix(table, &columns.value, pk.map(|pk| pk.name.as_str())).into()),
        })
    }
}

/// Replaces the key unless it already is `columns`, so running it twice changes nothing.
fn fix(table: &TableName, columns: &[String], old: Option<&str>) -> Repair {
    let drop = old
        .map(|name| {
            format!(
                "    ALTER TABLE {} DROP CONSTRAINT IF EXISTS {};\n",
                table.sql(),
                ident(name)
            )
        })
        .unwrap_or_default();
    let names = columns
        .iter()
        .map(|c| literal(c))
        .collect::<Vec<_>>()
        .join(", ");
    let key_sql = columns
        .iter()
        .map(|c| ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let guarded = format!(
        "DO $$\n\
         BEGIN\n  \
           IF NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = {regclass}::regclass AND c.contype = 'p'\n      \
               AND ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)\n                \
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) = ARRAY[{names}]::text[]) THEN\n\
         {drop}    ALTER TABLE {table} ADD PRIMARY KEY ({key_sql});\n  \
           END IF;\n\
         END $$;",
        regclass = literal(&table.sql()),
        table = table.sql(),
    );
    Repair::new(vec![Step::new(table, guarded).note(
        "takes an ACCESS EXCLUSIVE lock and builds a unique index; foreign keys referencing the old key must be dropped first",
    )])
}
