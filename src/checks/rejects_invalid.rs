//! `<table>::<col>::rejects_invalid`: an INSERT whose value is absent from the referenced column
//! fails with SQLSTATE 23503 (foreign_key_violation).
//!
//! This is tenant isolation seen from the application: a message with an unknown tenant must be
//! refused by the database, not by whichever service happened to check. Behaviour counts, so a
//! deferred constraint, a partitioned table or a trigger that raises `foreign_key_violation` all
//! pass; a missing or `NOT VALID`-only-for-old-rows constraint is caught by the INSERT.

use super::machinery::behaviour::{self, Case, Run, outcome};
use super::machinery::repair;
use super::{Check, Context, Failure, On, Verdict};
use crate::catalog::{Column, Table};
use crate::names::{TableName, ident};
use crate::referential::OnDelete;
use crate::sandbox::DbError;
use crate::spec::{Fact, Reference};
use crate::synth::{Row, SynthError, Wanted, typed};

/// Values tried before giving up on finding one absent from the referenced column.
const TRIES: usize = 8;

/// A row synthesis answer: the row, or why it could not be built.
type Built = Result<Row, SynthError>;

/// A value to try: one a trial row proves absent (with its text), or one to look up.
enum Candidate {
    Absent(String, String),
    Probe(String),
}

/// `<table>::<col>::rejects_invalid`, as the plan states it: the column, what it references
/// and, for the fix, the declared ON DELETE action.
pub struct Promise<'a>(
    pub On<'a>,
    pub &'a Fact<Reference>,
    pub Option<&'a Fact<OnDelete>>,
);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, references, on_delete) = *self;
        let insert = Insert::new(ctx, table, column, references, on_delete)?;
        behaviour::each_case(ctx, async |run: &mut Run<'_>, _: Case| {
            insert.case(run).await
        })
        .await
    }
}

/// One `rejects_invalid` check: the column, what it references, and how its failures read.
pub(super) struct Insert<'a> {
    ctx: &'a Context<'a>,
    column: &'a str,
    references: &'a Fact<Reference>,
    on_delete: Option<&'a Fact<OnDelete>>,
    t: &'a Table,
    col: &'a Column,
    target_table: &'a Table,
    target_col: &'a Column,
    promise: String,
    /// The column, as the one the valid row holds a value of its own in (see [`Self::case`]).
    own: Vec<String>,
}

impl<'a> Insert<'a> {
    /// The column written with a value the referenced column lacks.
    pub(super) fn column(&self) -> &'a str {
        self.column
    }

    /// The referenced table.
    pub(super) fn target(&self) -> &'a TableName {
        &self.references.value.table
    }

    /// Whether the check can share another's valid row (see `batch`): unless a foreign key of
    /// the column references another table, whose value it tries first.
    pub(super) fn shares_a_row(&self) -> bool {
        elsewhere(self.t, self.column, &self.references.value).is_none()
    }

    /// The first trial row of the referenced table, with a fresh value in the referenced column.
    pub(super) fn target_trial(&self) -> Wanted<'a> {
        let target = &self.references.value;
        Wanted::trial_with_values(&target.table, std::slice::from_ref(&target.column), 0)
    }

    /// The value to write (a literal of the column) and its text, when a row of the referenced
    /// table (a trial) proves it absent: the table took the row, a valid and whole unique key
    /// on the referenced column alone (whose equality the foreign key's is) held no equal value
    /// then, and the column has the referenced column's type, so the value is written
    /// unchanged. `None` otherwise: look it up.
    pub(super) fn proven_absent(&self, trial: &Row) -> Option<(String, String)> {
        let text = trial.text(&self.references.value.column)?;
        let name = self.target_col.name.as_str();
        let keyed_alone = (self.target_table.indexes.iter()).any(|i| {
            i.unique
                && i.valid
                && !i.partial
                && matches!(&i.key_columns[..], [Some(c)] if c == name)
        });
        let same = self.col.type_ == self.target_col.type_;
        (keyed_alone && same).then(|| (typed(Some(text), self.col), text.to_string()))
    }

    /// The check on `table.column`, or the failure that says a table or column is missing.
    pub(super) fn new(
        ctx: &'a Context<'a>,
        table: &'a TableName,
        column: &'a str,
        references: &'a Fact<Reference>,
        on_delete: Option<&'a Fact<OnDelete>>,
    ) -> Result<Self, Failure> {
        let target = &references.value;
        let at = &references.at;
        let promise = format!(
            "{}.{column} rejects a value absent from {}",
            ctx.show(table),
            target.display(ctx.schema())
        );
        let (t, col) = ctx.column(table, column, at, &promise)?;
        let (target_table, target_col) = ctx.column(&target.table, &target.column, at, &promise)?;
        Ok(Self {
            ctx,
            column,
            references,
            on_delete,
            t,
            col,
            target_table,
            target_col,
            promise,
            own: vec![column.to_string()],
        })
    }

    /// One case: a valid row written again with a value the referenced column lacks.
    async fn case(&self, run: &mut Run<'_>) -> Verdict {
        let (column, t) = (self.column, self.t);
        // A foreign key to another table would accept that table's values: try one of them
        // first, so the check proves the column rejects what the declared table lacks, not
        // merely a value no table holds.
        let wrong_fk = elsewhere(t, column, &self.references.value);
        let (row, first) = self.valid_row(run, wrong_fk.is_some()).await;
        let (at, promise) = (&self.references.at, &self.promise);
        let row = row.map_err(|e| behaviour::unbuildable(self.ctx, &e, &run.sb, at, promise))?;
        let elsewhere = match wrong_fk {
            Some((other, other_column)) => self.elsewhere_value(run, &other, &other_column).await,
            None => None,
        };
        let Some((value, absent_text)) = self.absent(run, elsewhere.as_ref(), first).await else {
            return Err(self.no_absent_value(run));
        };
        let (result, count) = run.insert_instead(t, &row, column, &value).await;
        let replaced = match &result {
            Err(e) if refuses(e) => return Ok(()),
            Err(e) if before_foreign_keys(e) => {
                return Err(self.untested(run, &value, e));
            }
            Err(_) => String::new(),
            Ok(out) => behaviour::replaced(t, column, Some(&absent_text), out),
        };
        let note = (elsewhere.as_ref())
            .filter(|(v, _)| *v == value)
            .map(|(_, note)| note.as_str())
            .unwrap_or_default();
        Err(self.accepted(run, &value, note, &count, &replaced))
    }

    /// The valid row, and (unless a wrong foreign key's table is tried first) the first row of
    /// the referenced table with a fresh value (a value it would accept): independent trials,
    /// built together in one round trip. The valid row holds a value in the column (a
    /// parent's): CHECKs across columns (an exclusive arc, "both set or both NULL") then hold
    /// with the column set, and writing another value there reaches the foreign key instead of
    /// a CHECK.
    async fn valid_row(&self, run: &mut Run<'_>, wrong_fk: bool) -> (Built, Option<Built>) {
        let valid = Wanted::trial_with_values(&self.t.name, &self.own, 0);
        let wanted = match wrong_fk {
            true => vec![valid],
            false => vec![valid, self.target_trial()],
        };
        let mut built = run.synth.rows(&mut run.sb, &wanted).await.into_iter();
        let row = built
            .next()
            .unwrap_or_else(|| unreachable!("a result per row"));
        (row, built.next())
    }

    /// A value of the wrong foreign key's table, as a literal of the column, with the note that
    /// says where it comes from.
    async fn elsewhere_value(
        &self,
        run: &mut Run<'_>,
        other: &TableName,
        other_column: &str,
    ) -> Option<(String, String)> {
        let row = run.synth.row(&mut run.sb, other, &[], true).await.ok()?;
        let value = typed(Some(row.text(other_column)?), self.col);
        let note = format!(
            " (a value of {}.{other_column}, which a foreign key of {} references)",
            self.ctx.show(other),
            self.column
        );
        Some((value, note))
    }

    /// A value of the column's type that the referenced column does not hold, and its text:
    /// first one a row of the referenced table would accept (then undone), else one made from
    /// the type.
    async fn absent(
        &self,
        run: &mut Run<'_>,
        elsewhere: Option<&(String, String)>,
        mut first: Option<Built>,
    ) -> Option<(String, String)> {
        for attempt in 0..TRIES {
            let value = match (attempt, elsewhere) {
                (0, Some((value, _))) => value.clone(),
                _ => match self.candidate(run, first.take(), attempt).await {
                    Candidate::Absent(value, text) => return Some((value, text)),
                    Candidate::Probe(value) => value,
                },
            };
            if let Some(text) = self.unheld(run, &value).await {
                return Some((value, text));
            }
        }
        None
    }

    /// The value of attempt `attempt`: from a trial row of the referenced table (`first`, or a
    /// new one), else made from the type.
    async fn candidate(
        &self,
        run: &mut Run<'_>,
        first: Option<Built>,
        attempt: usize,
    ) -> Candidate {
        let target = &self.references.value;
        let trial = match first {
            Some(trial) => trial,
            None => {
                let explicit = std::slice::from_ref(&target.column);
                (run.synth)
                    .trial_with_values(&mut run.sb, &target.table, explicit, attempt)
                    .await
            }
        };
        let candidate = trial.ok();
        if let Some((value, text)) = candidate.as_ref().and_then(|c| self.proven_absent(c)) {
            return Candidate::Absent(value, text);
        }
        match candidate.as_ref().and_then(|c| c.text(&target.column)) {
            Some(text) => Candidate::Probe(typed(Some(text), self.col)),
            None => Candidate::Probe(run.synth.fresh_value(self.col, attempt)),
        }
    }

    /// The value as text when the referenced column holds none equal to it; `None` otherwise.
    /// Equal as a foreign key compares (the types' own equality, through the referenced
    /// column's index: a comparison of texts would read every row, and the rows that earlier
    /// cases rolled back stay in the table until vacuumed); as texts when the two types have no
    /// equality (no foreign key joins them).
    async fn unheld(&self, run: &mut Run<'_>, value: &str) -> Option<String> {
        let target = ident(&self.target_col.name);
        let probe = |equal: String| {
            format!(
                "SELECT ({value})::text WHERE NOT EXISTS (SELECT 1 FROM {} WHERE {equal})",
                self.target_table.name.sql()
            )
        };
        let found = match run.sb.value(&probe(format!("{target} = ({value})"))).await {
            Ok(found) => Ok(found),
            Err(_) => {
                let as_text = format!("{target}::text = ({value})::text");
                run.sb.value(&probe(as_text)).await
            }
        };
        found.ok().flatten()
    }
}

impl Insert<'_> {
    /// The failure when no value absent from the referenced column could be made.
    fn no_absent_value(&self, run: &Run<'_>) -> Failure {
        let target = &self.references.value;
        Failure {
            at: Some(self.references.at.clone()),
            promise: self.promise.clone(),
            expected: format!(
                "a value of {} absent from {}",
                self.col.type_,
                target.display(self.ctx.schema())
            ),
            found: format!(
                "no such value could be made: a row of {} could not be built with a fresh {}\n{}",
                self.ctx.show(&target.table),
                target.column,
                behaviour::transcript(&run.sb)
            ),
            fix: None,
        }
    }

    /// The failure for an INSERT of `value` that was not refused: `note` says where the value
    /// comes from, `replaced` what a trigger or rule did instead.
    fn accepted(
        &self,
        run: &Run<'_>,
        value: &str,
        note: &str,
        count: &Result<usize, DbError>,
        replaced: &str,
    ) -> Failure {
        let (ctx, column) = (self.ctx, self.column);
        Failure {
            at: Some(self.references.at.clone()),
            promise: self.promise.clone(),
            expected: "the INSERT fails with SQLSTATE 23503 (foreign_key_violation)".into(),
            found: format!(
                "the INSERT with {column} = {value}{note}, which {} does not hold, {}{replaced}\n{}",
                self.references.value.display(ctx.schema()),
                outcome(count),
                behaviour::transcript(&run.sb)
            ),
            fix: repair::foreign_key(ctx, &self.t.name, column, self.references, self.on_delete)
                .map(|wrong| wrong.repair.into()),
        }
    }

    /// The failure for an INSERT refused before the foreign key was reached: the check could
    /// not test the promise, which says nothing about the schema's foreign key either way.
    fn untested(&self, run: &Run<'_>, value: &str, e: &DbError) -> Failure {
        Failure {
            at: Some(self.references.at.clone()),
            promise: self.promise.clone(),
            expected: "the INSERT fails with SQLSTATE 23503 (foreign_key_violation)".into(),
            found: format!(
                "could not test: the INSERT with {} = {value} failed with {e}, before any foreign key is checked (NOT NULL, CHECK, UNIQUE and BEFORE triggers come first), so whether a foreign key refuses the value is unknown; the row is otherwise one PostgreSQL took with a value the referenced column holds (a [sample] in the table file can decide the other columns)\n{}",
                self.column,
                behaviour::transcript(&run.sb)
            ),
            fix: None,
        }
    }
}

/// Whether an INSERT's error is one PostgreSQL raises before foreign keys are checked (NOT
/// NULL, CHECK, UNIQUE, exclusion): the row never reached the foreign key.
fn before_foreign_keys(e: &DbError) -> bool {
    matches!(e.code.as_str(), "23502" | "23514" | "23505" | "23P01")
}

/// Whether an INSERT's error is the refusal the check wants: 23503 (foreign_key_violation).
pub(super) fn refuses(e: &DbError) -> bool {
    e.code == "23503"
}

/// The table and column a single-column foreign key of `column` references, when it is not the
/// declared target: values of that table are what a wrong FK lets through.
fn elsewhere(table: &Table, column: &str, target: &Reference) -> Option<(TableName, String)> {
    table.foreign_keys().find_map(|(c, fk)| {
        let wrong = c.columns == [column]
            && (fk.target != target.table || fk.target_columns != [target.column.as_str()]);
        wrong.then(|| (fk.target.clone(), fk.target_columns[0].clone()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::On;
    use crate::checks::testing::{Build, Fixture, db_error, fact, name, reference, table};

    /// Tasks whose `org_id` references organizations; notes whose `org_id` references teams
    /// instead; tags whose `org_id` references nothing.
    const SCHEMA: &str = r#"
        CREATE TABLE organizations (id bigint PRIMARY KEY);
        CREATE TABLE teams (id bigint PRIMARY KEY);
        CREATE TABLE tasks (id bigint PRIMARY KEY, org_id bigint NOT NULL REFERENCES organizations);
        CREATE TABLE notes (id bigint PRIMARY KEY, org_id bigint NOT NULL REFERENCES teams);
        CREATE TABLE tags (id bigint PRIMARY KEY, org_id bigint NOT NULL);
    "#;

    /// On a real server: the foreign key refuses an absent value; a key to another table lets
    /// that table's value through (and the message says where it came from); no key at all
    /// lets any value through.
    #[tokio::test]
    async fn on_postgres_only_the_declared_key_refuses_a_value_the_target_lacks() {
        let f = Fixture::on_server(SCHEMA).await;
        let references = fact(reference("organizations.id"), "t.toml", 2);
        let verdict = |table: &'static str| {
            let (f, references) = (&f, &references);
            async move {
                let on = On {
                    table: &name(table),
                    column: "org_id",
                };
                Promise(on, references, None).check(&f.ctx()).await
            }
        };
        assert_eq!(verdict("tasks").await, Ok(()));
        let wrong = verdict("notes").await.expect_err("a key to teams");
        assert!(
            wrong.found.contains(", which a foreign key of org_id references), which organizations.id does not hold, succeeded"),
            "{wrong}"
        );
        let none = verdict("tags").await.expect_err("no key");
        assert!(
            none.found.starts_with("the INSERT with org_id = "),
            "{none}"
        );
        let fix = none.fix.expect("the key").to_string();
        assert!(
            fix.contains("REFERENCES \"public\".\"organizations\" (\"id\")"),
            "{fix}"
        );
    }

    #[test]
    fn a_key_to_another_table_is_where_the_first_value_comes_from() {
        let declared = reference("organizations.id");
        let right = table("tasks", &[("org_id", "bigint")]).fk(
            "org_id",
            "organizations.id",
            OnDelete::Cascade,
        );
        assert_eq!(elsewhere(&right, "org_id", &declared), None);
        let wrong =
            table("tasks", &[("org_id", "bigint")]).fk("org_id", "teams.id", OnDelete::Cascade);
        let found = elsewhere(&wrong, "org_id", &declared);
        assert_eq!(
            found,
            Some((crate::checks::testing::name("teams"), "id".to_string()))
        );
        let other_column = table("tasks", &[("org_id", "bigint")]).fk(
            "org_id",
            "organizations.uid",
            OnDelete::Cascade,
        );
        assert!(elsewhere(&other_column, "org_id", &declared).is_some());
    }

    #[test]
    fn only_23503_is_the_refusal_and_constraints_before_keys_leave_it_untested() {
        assert!(refuses(&db_error(
            "23503",
            "violates foreign key constraint"
        )));
        assert!(!refuses(&db_error("23514", "violates check constraint")));
        for code in ["23502", "23514", "23505", "23P01"] {
            assert!(before_foreign_keys(&db_error(code, "refused")), "{code}");
        }
        assert!(!before_foreign_keys(&db_error("23503", "refused")));
        assert!(!before_foreign_keys(&db_error("P0001", "raised")));
    }
}
