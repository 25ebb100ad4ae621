//! Turning the repairs of failing checks into migrations that a migration tool can run, without
//! losing what makes each repair lock-aware.
//!
//! Each repair is a list of steps in the order they must run, each saying where it may run
//! ([`Runs`]). Two kinds of step need a migration boundary:
//!
//! - a step that must run outside a transaction block (`CREATE INDEX CONCURRENTLY`) goes alone
//!   into a migration that runs outside a transaction. Alone, because tools send a migration
//!   file as one query string, and PostgreSQL runs a multi-statement string as one implicit
//!   transaction: two such statements in one file fail under sqlx, golang-migrate, dbmate or
//!   Prisma even though each runs fine on its own.
//! - a step that must run after the steps before it committed (`VALIDATE CONSTRAINT` after the
//!   `NOT VALID` add) goes into a later migration: in the same transaction it would hold the
//!   stronger lock of `ADD CONSTRAINT` while it scans the table, which is what `NOT VALID` is
//!   there to avoid. Several such steps in a row share their migration.
//!
//! Everything else of every repair shares one transactional migration per round. The order
//! inside each repair is kept; repairs are independent of each other, so round by round the next
//! transactional part of every repair shares one migration, followed by the repairs' steps that
//! must run alone.

use std::collections::VecDeque;

use crate::checks::{Repair, Runs};
use crate::location::Location;
use crate::migrate::NewMigration;

/// The repair of one or more failing tests.
#[derive(Debug, Clone)]
pub struct TestRepair {
    /// The tests it repairs, e.g. `messages::org_id::fk` and `messages::org_id::on_delete`.
    pub tests: Vec<String>,
    /// Where the invariant is written.
    pub at: Option<Location>,
    pub repair: Repair,
}

impl TestRepair {
    /// `-- messages::org_id::fk (invariants/messages.toml:6:14)`: what the SQL below is for.
    pub fn header(&self) -> String {
        let tests = self.tests.join(", ");
        match &self.at {
            Some(at) => format!("-- {tests} ({at})"),
            None => format!("-- {tests}"),
        }
    }
}

/// A part of one repair that runs in one migration.
enum Phase {
    /// Steps for a transactional migration; `validates` when it starts after a commit.
    Transaction { texts: Vec<String>, validates: bool },
    /// One step for a migration of its own, outside a transaction.
    Outside(String),
}

/// The migrations that apply every repair, in order.
pub fn schedule(repairs: &[TestRepair]) -> Vec<NewMigration> {
    let mut queues: Vec<(String, VecDeque<Phase>)> = repairs
        .iter()
        .map(|r| (r.header(), phases(&r.repair).into()))
        .collect();
    let mut bodies: Vec<(Body, bool)> = Vec::new();
    loop {
        let (sections, validates) = next_transaction(&mut queues);
        let alone = next_outside(&mut queues);
        if sections.is_empty() && alone.is_empty() {
            break;
        }
        if !sections.is_empty() {
            let body = Body {
                note: validates.then_some(VALIDATE_NOTE),
                sections,
            };
            bodies.push((body, true));
        }
        for section in alone {
            let body = Body {
                note: Some(OUTSIDE_NOTE),
                sections: vec![section],
            };
            bodies.push((body, false));
        }
    }
    let count = bodies.len();
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, (body, transaction))| NewMigration {
            sql: body.sql(i + 1, count),
            transaction,
        })
        .collect()
}

/// The next transactional phase of every repair that has one next, as sections of one
/// migration, and whether any of them starts after a commit.
fn next_transaction(queues: &mut [(String, VecDeque<Phase>)]) -> (Vec<String>, bool) {
    let mut sections = Vec::new();
    let mut validates = false;
    for (header, queue) in queues {
        match queue.pop_front() {
            Some(Phase::Transaction {
                texts,
                validates: v,
            }) => {
                validates |= v;
                sections.push(format!("{header}\n{}", texts.join("\n")));
            }
            Some(outside) => queue.push_front(outside),
            None => {}
        }
    }
    (sections, validates)
}

/// Every step that must run alone that comes next in a repair, as sections of their own.
fn next_outside(queues: &mut [(String, VecDeque<Phase>)]) -> Vec<String> {
    let mut alone = Vec::new();
    for (header, queue) in queues {
        while let Some(phase) = queue.pop_front() {
            let Phase::Outside(text) = phase else {
                queue.push_front(phase);
                break;
            };
            alone.push(format!("{header}\n{text}"));
        }
    }
    alone
}

const VALIDATE_NOTE: &str = "-- Validations run in a migration after the one that added their constraints NOT VALID:\n-- checking the existing rows then blocks no writes.";

const OUTSIDE_NOTE: &str = "-- Runs outside a transaction, alone in its migration: PostgreSQL refuses this statement in a\n-- transaction block, and a migration tool sends a file as one query, which runs as one transaction.";

/// The text of one migration.
struct Body {
    note: Option<&'static str>,
    sections: Vec<String>,
}

impl Body {
    fn sql(&self, number: usize, count: usize) -> String {
        let part = if count > 1 {
            format!(" ({number} of {count})")
        } else {
            String::new()
        };
        let mut text = format!(
            "-- Written by `pg-invariants fix`{part}: SQL that makes failing invariants hold.\n-- Every statement is idempotent; review it, then commit it with the chain.\n"
        );
        if let Some(note) = self.note {
            text.push_str(note);
            text.push('\n');
        }
        for section in &self.sections {
            text.push('\n');
            text.push_str(section);
            text.push('\n');
        }
        text
    }
}

/// Cuts one repair where its migration must change (see the module documentation); its notes
/// go with its last phase.
fn phases(repair: &Repair) -> Vec<Phase> {
    let mut phases = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut validates = false;
    let mut changes = false;
    let flush = |current: &mut Vec<String>, validates: bool, phases: &mut Vec<Phase>| {
        if !current.is_empty() {
            phases.push(Phase::Transaction {
                texts: std::mem::take(current),
                validates,
            });
        }
    };
    for step in &repair.steps {
        let text = step.to_string();
        match step.runs {
            Runs::Outside => {
                flush(&mut current, validates, &mut phases);
                (validates, changes) = (false, false);
                phases.push(Phase::Outside(text));
            }
            Runs::AfterCommit if changes || current.is_empty() => {
                flush(&mut current, validates, &mut phases);
                (validates, changes) = (true, false);
                current.push(text);
            }
            Runs::AfterCommit => current.push(text),
            Runs::InTransaction => {
                changes = true;
                current.push(text);
            }
        }
    }
    flush(&mut current, validates, &mut phases);
    let notes = repair.notes.iter().map(|n| crate::checks::comment(n));
    match phases.last_mut() {
        Some(Phase::Transaction { texts, .. }) => texts.extend(notes),
        Some(Phase::Outside(text)) => {
            for note in notes {
                text.push('\n');
                text.push_str(&note);
            }
        }
        None => {}
    }
    phases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Step;
    use crate::names::TableName;

    fn repair(test: &str, repair: Repair) -> TestRepair {
        TestRepair {
            tests: vec![test.into()],
            at: None,
            repair,
        }
    }

    fn t() -> TableName {
        TableName::new("public", "t")
    }

    /// Each migration as (transaction, the statements' first lines without comments).
    fn shape(migrations: &[NewMigration]) -> Vec<(bool, Vec<String>)> {
        migrations
            .iter()
            .map(|m| {
                let lines = m
                    .sql
                    .lines()
                    .filter(|l| !l.starts_with("--") && !l.trim().is_empty())
                    .filter(|l| !l.starts_with(' '))
                    .map(str::to_string)
                    .collect();
                (m.transaction, lines)
            })
            .collect()
    }

    fn fk() -> Repair {
        Repair::new(vec![
            Step::drop_constraint(&t(), "old"),
            Step::new(
                &t(),
                "DO $$\nBEGIN\n  ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES o (id) NOT VALID;\nEND $$;",
            ),
            Step::validate(&t(), "c"),
        ])
    }

    fn not_null() -> Repair {
        Repair::new(vec![
            Step::new(
                &t(),
                "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT n CHECK (b IS NOT NULL) NOT VALID; END $$;",
            ),
            Step::validate(&t(), "n"),
            Step::new(&t(), "ALTER TABLE t ALTER COLUMN b SET NOT NULL;"),
            Step::drop_constraint(&t(), "n"),
        ])
    }

    fn indexes() -> Repair {
        let p = |name: &str| TableName::new("public", name);
        Repair::new(vec![
            Step::new(
                &p("p1"),
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS p1_a_idx ON p1 (a);",
            )
            .runs(Runs::Outside)
            .note("CONCURRENTLY cannot run inside a transaction"),
            Step::new(
                &p("p2"),
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS p2_a_idx ON p2 (a);",
            )
            .runs(Runs::Outside),
            Step::new(&p("p"), "CREATE INDEX IF NOT EXISTS p_a_idx ON p (a);")
                .note("on a partitioned table: attaches the partitions' indexes"),
        ])
    }

    #[test]
    fn constraints_are_added_then_validated_in_a_later_migration() {
        let migrations = schedule(&[
            repair("t::a::fk", fk()),
            repair("t::b::not_null", not_null()),
        ]);
        assert_eq!(
            shape(&migrations),
            [
                (
                    true,
                    vec![
                        "ALTER TABLE \"public\".\"t\" DROP CONSTRAINT IF EXISTS \"old\";".to_string(),
                        "DO $$".into(),
                        "BEGIN".into(),
                        "END $$;".into(),
                        "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT n CHECK (b IS NOT NULL) NOT VALID; END $$;".into()
                    ]
                ),
                (
                    true,
                    vec![
                        "ALTER TABLE \"public\".\"t\" VALIDATE CONSTRAINT \"c\";".to_string(),
                        "ALTER TABLE \"public\".\"t\" VALIDATE CONSTRAINT \"n\";".into(),
                        "ALTER TABLE t ALTER COLUMN b SET NOT NULL;".into(),
                        "ALTER TABLE \"public\".\"t\" DROP CONSTRAINT IF EXISTS \"n\";".into()
                    ]
                )
            ]
        );
        assert!(migrations[1].sql.contains(VALIDATE_NOTE));
        assert!(migrations[0].sql.contains("-- t::a::fk\n"));
        assert!(migrations[1].sql.contains("-- t::b::not_null\n"));
    }

    #[test]
    fn each_concurrent_statement_runs_alone_and_the_order_of_a_repair_is_kept() {
        let migrations = schedule(&[repair("t::a::fk", fk()), repair("p::a::indexed", indexes())]);
        let shapes = shape(&migrations);
        let statements: Vec<(bool, &str)> = shapes
            .iter()
            .flat_map(|(tx, lines)| lines.iter().map(move |l| (*tx, l.as_str())))
            .filter(|(_, l)| {
                !l.starts_with("DO") && !l.starts_with("BEGIN") && !l.starts_with("END")
            })
            .collect();
        assert_eq!(
            statements,
            [
                (
                    true,
                    "ALTER TABLE \"public\".\"t\" DROP CONSTRAINT IF EXISTS \"old\";"
                ),
                (
                    false,
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS p1_a_idx ON p1 (a);"
                ),
                (
                    false,
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS p2_a_idx ON p2 (a);"
                ),
                (
                    true,
                    "ALTER TABLE \"public\".\"t\" VALIDATE CONSTRAINT \"c\";"
                ),
                (true, "CREATE INDEX IF NOT EXISTS p_a_idx ON p (a);"),
            ]
        );
        assert_eq!(migrations.len(), 4);
        assert!(migrations[1].sql.contains(OUTSIDE_NOTE));
        assert!(
            migrations[1]
                .sql
                .contains("-- CONCURRENTLY cannot run inside a transaction\nCREATE INDEX")
        );
        assert!(
            migrations[0]
                .sql
                .starts_with("-- Written by `pg-invariants fix` (1 of 4)")
        );
    }

    #[test]
    fn a_lone_validation_needs_one_migration_and_notes_close_the_repair() {
        let lone = Repair::new(vec![
            Step::validate(&t(), "c"),
            Step::validate(&TableName::new("public", "t_1"), "c"),
        ])
        .note("or change the invariant");
        let migrations = schedule(&[repair("t::a::fk", lone)]);
        assert_eq!(migrations.len(), 1);
        assert!(migrations[0].transaction);
        assert!(
            migrations[0]
                .sql
                .starts_with("-- Written by `pg-invariants fix`: ")
        );
        assert!(
            migrations[0]
                .sql
                .ends_with("VALIDATE CONSTRAINT \"c\";\n-- or change the invariant\n"),
            "{}",
            migrations[0].sql
        );
    }

    #[test]
    fn nothing_to_repair_is_no_migration() {
        assert!(schedule(&[]).is_empty());
        assert!(schedule(&[repair("t::a::orphans", Repair::default().note("review"))]).is_empty());
    }
}
