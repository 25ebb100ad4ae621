//! `<table>::<col>::immutable`: an UPDATE that changes the column is refused, while an UPDATE
//! of another column of the same row still works.
//!
//! An `org_id` that can be changed moves a row to another tenant; nothing in a foreign key
//! prevents it. The usual guard is a `BEFORE UPDATE` trigger. The second half of the check keeps
//! the guard honest: one that refuses every UPDATE of the row is a broken table, not immutability.

use super::machinery::behaviour::{self, Case, Run, outcome};
use super::machinery::repair::{Named, Repair, Step, derived_name, unless_exists};
use super::{Check, Context, Failure, Fix, On, Verdict};
use crate::catalog::{Column, Table};
use crate::location::Location;
use crate::names::ident;
use crate::sandbox::DbError;
use crate::synth::{identify, typed};

/// Values tried for the new one before concluding the column has no other value.
const TRIES: usize = 6;

/// `<table>::<col>::immutable`, as the plan states it.
pub struct Promise<'a>(pub On<'a>, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, at) = *self;
        let promise = format!(
            "{}.{column} is immutable: an UPDATE that changes it is refused, other UPDATEs work",
            ctx.show(table)
        );
        let (t, col) = ctx.column(table, column, at, &promise)?;
        let update = Update {
            ctx,
            t,
            col,
            at,
            promise,
        };
        behaviour::each_case(ctx, async |run: &mut Run<'_>, _: Case| {
            update.case(run).await
        })
        .await
    }
}

/// One `immutable` check: the column, and how its failures read.
struct Update<'a> {
    ctx: &'a Context<'a>,
    t: &'a Table,
    col: &'a Column,
    at: &'a Location,
    promise: String,
}

impl Update<'_> {
    fn column(&self) -> &str {
        &self.col.name
    }

    fn fail(&self, found: String, run: &Run<'_>, fix: Option<Fix>) -> Failure {
        Failure {
            at: Some(self.at.clone()),
            promise: self.promise.clone(),
            expected: expected(self.column()),
            found: format!("{found}\n{}", behaviour::transcript(&run.sb)),
            fix,
        }
    }

    /// One case: a row, an UPDATE of the column to another value (refused), then an UPDATE of
    /// another column to itself (taken).
    async fn case(&self, run: &mut Run<'_>) -> Verdict {
        let (ctx, t, column) = (self.ctx, self.t, self.column());
        let row = run.row(ctx, &t.name, true, self.at, &self.promise).await?;
        let current = row.text(column).map(str::to_string);
        let Some(new_value) = self.new_value(run, current.as_deref()).await else {
            let found = format!("no other valid value for {column} could be found to update it to");
            return Err(self.fail(found, run, None));
        };
        let key = identify(t, &row, None);
        let change = format!(
            "UPDATE {} SET {} = {new_value} WHERE {key} RETURNING {}::text",
            t.name.sql(),
            ident(column),
            ident(column)
        );
        let result = run.sb.attempt(&change, false).await;
        let count = result.as_ref().map(|o| o.rows.len()).map_err(Clone::clone);
        run.sb.record(&change, Some(&outcome(&count)));
        match result {
            Ok(out) => {
                let stored = out.rows.first().and_then(|r| r.first().cloned().flatten());
                let what = taken(
                    column,
                    out.rows.len(),
                    stored.as_deref(),
                    current.as_deref(),
                );
                let found = format!("the UPDATE of {column} {what}");
                return Err(self.fail(found, run, Some(fix(t, column).into())));
            }
            Err(e) if e.is_timeout() || refused_by_value(&e) => {
                return Err(self.fail(refused_by_new_value(column, &e), run, None));
            }
            Err(_) => {}
        }
        self.other_update(run, &key).await
    }

    /// Another value the column could hold: one a new row was just allowed to have.
    async fn new_value(&self, run: &mut Run<'_>, current: Option<&str>) -> Option<String> {
        let explicit = [self.column().to_string()];
        for attempt in 0..TRIES {
            let trial = run
                .synth
                .trial_with_values(&mut run.sb, &self.t.name, &explicit, attempt);
            let Ok(other) = trial.await else {
                continue;
            };
            let value = other.text(self.column());
            if value.is_some() && value != current {
                return Some(typed(value, self.col));
            }
        }
        None
    }

    /// The second half: an UPDATE of another column of the row (`key`) to itself works.
    async fn other_update(&self, run: &mut Run<'_>, key: &str) -> Verdict {
        let other = other_column(self.t, self.col);
        let touch = format!(
            "UPDATE {} SET {o} = {o} WHERE {key} RETURNING 1",
            self.t.name.sql(),
            o = ident(&other.name)
        );
        let result = run.sb.attempt(&touch, false).await.map(|o| o.rows.len());
        run.sb.record(&touch, Some(&outcome(&result)));
        if let Ok(1) = result {
            return Ok(());
        }
        let column = self.column();
        let found = other_refused(column, &other.name, &outcome(&result));
        Err(self.fail(found, run, Some(fix(self.t, column).into())))
    }
}

fn expected(column: &str) -> String {
    format!(
        "UPDATE … SET {column} = <another value> fails; UPDATE … SET <another column> = itself succeeds"
    )
}

/// What an UPDATE of the column that went through did: `rows` returned, the value `stored`
/// after it, the value `current` before.
fn taken(column: &str, rows: usize, stored: Option<&str>, current: Option<&str>) -> String {
    match rows {
        0 => {
            "succeeded without changing the row (a rule or trigger skipped it silently)".to_string()
        }
        _ if stored == current => format!(
            "succeeded, and {column} silently kept its value {} (a trigger reset it instead of refusing)",
            stored.unwrap_or("NULL")
        ),
        _ => format!(
            "succeeded: {column} changed from {} to {}",
            current.unwrap_or("NULL"),
            stored.unwrap_or("NULL")
        ),
    }
}

fn refused_by_new_value(column: &str, e: &DbError) -> String {
    format!(
        "the UPDATE of {column} was refused, but by a constraint on the new value, not by an immutability guard: {e}"
    )
}

fn other_refused(column: &str, other: &str, outcome: &str) -> String {
    format!(
        "an UPDATE that leaves {column} alone (SET {other} = itself) {outcome}: the guard refuses more than changes of {column}"
    )
}

/// An error that says the new value was wrong, not that the column may not change: a check
/// whose verdict it cannot be.
fn refused_by_value(e: &DbError) -> bool {
    let constraint_error = matches!(
        e.code.as_str(),
        "23502" | "23503" | "23001" | "23505" | "23514" | "23P01"
    ) && e.constraint.is_some();
    constraint_error || e.code.starts_with("22")
}

/// The column the "other UPDATE" sets to itself: a plain one if there is one, else any.
pub(super) fn other_column<'t>(table: &'t Table, column: &'t Column) -> &'t Column {
    let pk: Vec<&str> = table
        .primary_key()
        .map(|c| c.columns.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let writable = |c: &&Column| c.name != column.name && !c.generated && c.identity != Some('a');
    table
        .columns
        .iter()
        .filter(writable)
        .find(|c| !pk.contains(&c.name.as_str()))
        .or_else(|| table.columns.iter().find(writable))
        .unwrap_or(column)
}

/// A guard trigger: refuses any UPDATE that changes the column, lets every other one through.
pub fn fix(table: &Table, column: &str) -> Repair {
    let name = derived_name(&table.name.name, column, "immutable");
    let function = format!("{}.{}", ident(&table.name.schema), ident(&name));
    let t = table.name.sql();
    let create = format!(
        "CREATE TRIGGER {} BEFORE UPDATE OF {c} ON {t} FOR EACH ROW EXECUTE FUNCTION {function}()",
        ident(&name),
        c = ident(column),
    );
    let guard = format!(
        "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF NEW.{c} IS DISTINCT FROM OLD.{c} THEN\n    RAISE EXCEPTION '%.{col} is immutable', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';\n  END IF;\n  RETURN NEW;\nEND $$;",
        c = ident(column),
        col = column.replace('\'', "''").replace('%', "%%"),
    );
    Repair::new(vec![
        Step::new(&table.name, guard),
        Step::new(
            &table.name,
            unless_exists(Named::Trigger, &table.name, &name, &create),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::On;
    use crate::checks::testing::{Build, Fixture, at, column, db_error, name, table};

    /// Notes whose `org_id` a guard trigger (the repair's own) keeps, and tags whose `org_id`
    /// nothing keeps.
    const SCHEMA: &str = r#"
        CREATE TABLE notes (id bigint PRIMARY KEY, org_id bigint NOT NULL, title text);
        CREATE FUNCTION notes_org_id_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.org_id IS DISTINCT FROM OLD.org_id THEN
            RAISE EXCEPTION 'notes.org_id is immutable' USING ERRCODE = 'restrict_violation';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER notes_org_id_immutable BEFORE UPDATE OF org_id ON notes
          FOR EACH ROW EXECUTE FUNCTION notes_org_id_immutable();
        CREATE TABLE tags (id bigint PRIMARY KEY, org_id bigint NOT NULL, label text);
    "#;

    /// On a real server: the guarded column holds; the unguarded one fails, saying the UPDATE
    /// changed it, with the guard as the fix.
    #[tokio::test]
    async fn on_postgres_a_guard_holds_and_its_absence_fails_with_the_guard() {
        let f = Fixture::on_server(SCHEMA).await;
        let at = at("notes.toml", 2);
        let verdict = |table: &'static str| {
            let (f, at) = (&f, &at);
            async move {
                let on = On {
                    table: &name(table),
                    column: "org_id",
                };
                Promise(on, at).check(&f.ctx()).await
            }
        };
        assert_eq!(verdict("notes").await, Ok(()));
        let failure = verdict("tags").await.expect_err("an unguarded column");
        assert!(
            failure
                .found
                .starts_with("the UPDATE of org_id succeeded: org_id changed from "),
            "{failure}"
        );
        let fix = failure.fix.expect("the guard").to_string();
        assert!(
            fix.contains("CREATE TRIGGER \"tags_org_id_immutable\""),
            "{fix}"
        );
    }

    #[test]
    fn what_an_update_that_went_through_did_is_said_three_ways() {
        let said = [
            taken("org_id", 0, None, Some("1")),
            taken("org_id", 1, Some("1"), Some("1")),
            taken("org_id", 1, Some("2"), Some("1")),
            refused_by_new_value("org_id", &db_error("23514", "violates check")),
            other_refused("org_id", "title", "failed: ERROR 42501: permission denied"),
            expected("org_id"),
        ];
        insta::assert_snapshot!(said.join("\n"));
    }

    #[test]
    fn a_refusal_of_the_new_value_is_not_a_guard() {
        let by_check = DbError {
            constraint: Some("orgs_check".into()),
            ..db_error("23514", "violates check")
        };
        assert!(refused_by_value(&by_check));
        assert!(refused_by_value(&db_error("22P02", "invalid input syntax")));
        // A key another table references ON UPDATE RESTRICT: 23503 up to 17, 23001 on 18.
        for code in ["23503", "23001"] {
            let by_key = DbError {
                constraint: Some("tags_org_id_fkey".into()),
                ..db_error(code, "violates foreign key constraint")
            };
            assert!(refused_by_value(&by_key), "{code}");
        }
        // A guard trigger raises without naming a constraint.
        assert!(!refused_by_value(&db_error("23514", "org_id is immutable")));
        assert!(!refused_by_value(&db_error("P0001", "org_id is immutable")));
    }

    #[test]
    fn the_other_update_sets_a_plain_column_before_a_key_and_never_a_generated_one() {
        let mut t = table("notes", &[("id", "bigint"), ("org_id", "bigint")]).pk(&["id"]);
        let org_id = t.columns[1].clone();
        assert_eq!(other_column(&t, &org_id).name, "id");
        let mut title = column("title", "text");
        title.generated = true;
        t.columns.push(title);
        t.columns.push(column("body", "text"));
        assert_eq!(other_column(&t, &org_id).name, "body");
    }

    #[test]
    fn the_guard_is_a_function_and_a_trigger_created_unless_it_exists() {
        let t = table("notes", &[("org_id", "bigint")]);
        insta::assert_snapshot!(Fix::from(fix(&t, "org_id")).to_string());
    }
}
