//! `<table>::primary_key`: the primary key is exactly these columns, in this order (the order
//! decides which lookups the key's index serves).

use super::machinery::repair::{Repair, Step};
use super::{Check, Context, Failure, Verdict};
use crate::names::{TableName, ident, literal};
use crate::spec::Fact;

/// `<table>::primary_key`, as the plan states it: the key's columns in order.
pub struct Promise<'a>(pub &'a TableName, pub &'a Fact<Vec<String>>);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(table, columns) = *self;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Build, Fixture, catalog, fact, name, table};

    async fn verdict(t: crate::catalog::Table, columns: &[&str]) -> (Fixture, Verdict) {
        let f = Fixture::new(catalog(vec![t], Vec::new()));
        let columns = fact(
            columns.iter().map(|c| c.to_string()).collect(),
            "events.toml",
            1,
        );
        let verdict = Promise(&name("events"), &columns).check(&f.ctx()).await;
        (f, verdict)
    }

    fn events() -> crate::catalog::Table {
        table(
            "events",
            &[("id", "bigint"), ("created_at", "timestamp with time zone")],
        )
    }

    #[tokio::test]
    async fn the_key_in_its_order_holds() {
        let (_, verdict) = verdict(events().pk(&["id", "created_at"]), &["id", "created_at"]).await;
        assert_eq!(verdict, Ok(()));
    }

    #[tokio::test]
    async fn the_same_columns_in_another_order_are_another_key() {
        let t = events().pk(&["created_at", "id"]);
        let (f, verdict) = verdict(t, &["id", "created_at"]).await;
        insta::assert_snapshot!(f.shown(&verdict.unwrap_err()));
    }

    #[tokio::test]
    async fn no_key_is_added_guarded() {
        let (f, verdict) = verdict(events(), &["id"]).await;
        insta::assert_snapshot!(f.shown(&verdict.unwrap_err()));
    }
}
