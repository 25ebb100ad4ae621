//! Turning the fixes of failing checks into migrations that a migration tool can run, without
//! losing what makes each fix lock-aware.
//!
//! Each fix is SQL in the order it must run. Three kinds of statement need a migration boundary:
//!
//! - a statement PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`) goes
//!   alone into a migration that runs outside a transaction. Alone, because tools send a migration
//!   file as one query string, and PostgreSQL runs a multi-statement string as one implicit
//!   transaction: two such statements in one file fail under sqlx, golang-migrate, dbmate or
//!   Prisma even though each runs fine on its own.
//! - `ALTER TABLE … VALIDATE CONSTRAINT` after the statements that added the constraint `NOT
//!   VALID` goes into a later migration: in the same transaction it would hold the stronger lock
//!   of `ADD CONSTRAINT` while it scans the table, which is what `NOT VALID` is there to avoid.
//! - everything else of every fix shares one transactional migration per round.
//!
//! The order inside each fix is kept; fixes are independent of each other, so round by round the
//! next transactional part of every fix shares one migration, followed by the fixes' statements
//! that must run alone.

use std::collections::VecDeque;

use crate::location::Location;
use crate::migrate::NewMigration;
use crate::migrate::statements::{self, refuses_transaction};

/// The fix of one failing test.
#[derive(Debug, Clone)]
pub struct Repair {
    /// The tests it repairs, e.g. `messages::org_id::fk, messages::org_id::on_delete`.
    pub test: String,
    /// Where the invariant is written.
    pub at: Option<Location>,
    /// The check's fix: SQL, notes as `--` comments.
    pub sql: String,
}

impl Repair {
    /// `-- messages::org_id::fk (invariants/messages.toml:6:14)`: what the SQL below is for.
    pub fn header(&self) -> String {
        match &self.at {
            Some(at) => format!("-- {} ({at})", self.test),
            None => format!("-- {}", self.test),
        }
    }
}

/// A statement with the comments before it, and what it needs from the migration it runs in.
struct Chunk {
    text: String,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Runs in any transaction.
    Plain,
    /// `ALTER TABLE … VALIDATE CONSTRAINT`.
    Validate,
    /// Refused inside a transaction block.
    Outside,
}

/// A part of one fix that runs in one migration.
enum Step {
    /// Statements for a transactional migration; `validates` when it starts with a validation.
    Transaction {
        chunks: Vec<String>,
        validates: bool,
    },
    /// One statement for a migration of its own, outside a transaction.
    Outside(String),
}

/// The migrations that apply every repair, in order.
pub fn schedule(repairs: &[Repair]) -> Vec<NewMigration> {
    let mut queues: Vec<(String, VecDeque<Step>)> = repairs
        .iter()
        .map(|r| (r.header(), steps(chunks(&r.sql)).into()))
        .collect();
    let mut bodies: Vec<(Body, bool)> = Vec::new();
    loop {
        let mut sections = Vec::new();
        let mut validates = false;
        for (header, queue) in &mut queues {
            match queue.pop_front() {
                Some(Step::Transaction {
                    chunks,
                    validates: v,
                }) => {
                    validates |= v;
                    sections.push(format!("{header}\n{}", chunks.join("\n")));
                }
                Some(outside) => queue.push_front(outside),
                None => {}
            }
        }
        let mut alone = Vec::new();
        for (header, queue) in &mut queues {
            while let Some(step) = queue.pop_front() {
                let Step::Outside(chunk) = step else {
                    queue.push_front(step);
                    break;
                };
                alone.push(format!("{header}\n{chunk}"));
            }
        }
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

/// The statements of `sql`, each with the comments before it and its `;`. SQL with no statement
/// (only comments, such as a DELETE left for review) is one chunk.
fn chunks(sql: &str) -> Vec<Chunk> {
    let found = statements::split(sql);
    if found.is_empty() {
        return vec![Chunk {
            text: sql.trim().to_string(),
            kind: Kind::Plain,
        }];
    }
    let mut from = 0;
    let last = found.len() - 1;
    found
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let statement = &sql[s.range.clone()];
            let text = if i == last {
                sql[from..].trim().to_string()
            } else {
                format!("{};", sql[from..s.range.end].trim())
            };
            from = s.range.end;
            let kind = if refuses_transaction(statement) {
                Kind::Outside
            } else if validates(statement) {
                Kind::Validate
            } else {
                Kind::Plain
            };
            Chunk {
                text: text
                    .trim_start_matches(|c: char| c == ';' || c.is_whitespace())
                    .to_string(),
                kind,
            }
        })
        .collect()
}

/// `ALTER TABLE … VALIDATE CONSTRAINT …`.
fn validates(statement: &str) -> bool {
    let words: Vec<String> = statement
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    words.starts_with(&["ALTER".to_string(), "TABLE".to_string()])
        && words.windows(2).any(|w| w == ["VALIDATE", "CONSTRAINT"])
}

/// Cuts one fix where its migration must change (see the module documentation).
fn steps(chunks: Vec<Chunk>) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut validates = false;
    let mut changes = false;
    let flush = |current: &mut Vec<String>, validates: bool, steps: &mut Vec<Step>| {
        if !current.is_empty() {
            steps.push(Step::Transaction {
                chunks: std::mem::take(current),
                validates,
            });
        }
    };
    for chunk in chunks {
        match chunk.kind {
            Kind::Outside => {
                flush(&mut current, validates, &mut steps);
                (validates, changes) = (false, false);
                steps.push(Step::Outside(chunk.text));
            }
            Kind::Validate if changes || current.is_empty() => {
                flush(&mut current, validates, &mut steps);
                (validates, changes) = (true, false);
                current.push(chunk.text);
            }
            Kind::Validate => current.push(chunk.text),
            Kind::Plain => {
                changes = true;
                current.push(chunk.text);
            }
        }
    }
    flush(&mut current, validates, &mut steps);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(test: &str, sql: &str) -> Repair {
        Repair {
            test: test.into(),
            at: None,
            sql: sql.into(),
        }
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

    const FK: &str = "ALTER TABLE t DROP CONSTRAINT IF EXISTS old;\nDO $$\nBEGIN\n  ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES o (id) NOT VALID;\nEND $$;\nALTER TABLE t VALIDATE CONSTRAINT c;";
    const NOT_NULL: &str = "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT n CHECK (b IS NOT NULL) NOT VALID; END $$;\nALTER TABLE t VALIDATE CONSTRAINT n;\nALTER TABLE t ALTER COLUMN b SET NOT NULL;";
    const INDEXES: &str = "-- CONCURRENTLY cannot run inside a transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS p1_a_idx ON p1 (a);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS p2_a_idx ON p2 (a);\n-- on a partitioned table: attaches the partitions' indexes\nCREATE INDEX IF NOT EXISTS p_a_idx ON p (a);";
    const ORPHANS: &str = "-- review first:\n-- DELETE FROM t WHERE a NOT IN (SELECT id FROM o);";

    #[test]
    fn constraints_are_added_then_validated_in_a_later_migration() {
        let migrations = schedule(&[repair("t::a::fk", FK), repair("t::b::not_null", NOT_NULL)]);
        assert_eq!(
            shape(&migrations),
            [
                (
                    true,
                    vec![
                        "ALTER TABLE t DROP CONSTRAINT IF EXISTS old;".to_string(),
                        "DO $$".into(),
                        "BEGIN".into(),
                        "END $$;".into(),
                        "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT n CHECK (b IS NOT NULL) NOT VALID; END $$;".into()
                    ]
                ),
                (
                    true,
                    vec![
                        "ALTER TABLE t VALIDATE CONSTRAINT c;".to_string(),
                        "ALTER TABLE t VALIDATE CONSTRAINT n;".into(),
                        "ALTER TABLE t ALTER COLUMN b SET NOT NULL;".into()
                    ]
                )
            ]
        );
        assert!(migrations[1].sql.contains(VALIDATE_NOTE));
        assert!(migrations[0].sql.contains("-- t::a::fk\n"));
        assert!(migrations[1].sql.contains("-- t::b::not_null\n"));
    }

    #[test]
    fn each_concurrent_statement_runs_alone_and_the_order_of_a_fix_is_kept() {
        let migrations = schedule(&[
            repair("t::a::fk", FK),
            repair("p::a::indexed", INDEXES),
            repair("t::c::orphans", ORPHANS),
        ]);
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
                (true, "ALTER TABLE t DROP CONSTRAINT IF EXISTS old;"),
                (
                    false,
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS p1_a_idx ON p1 (a);"
                ),
                (
                    false,
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS p2_a_idx ON p2 (a);"
                ),
                (true, "ALTER TABLE t VALIDATE CONSTRAINT c;"),
                (true, "CREATE INDEX IF NOT EXISTS p_a_idx ON p (a);"),
            ]
        );
        assert_eq!(migrations.len(), 4);
        // The orphans' DELETE stays a comment, in the first migration, before any validation.
        assert!(
            migrations[0].sql.contains("-- DELETE FROM t"),
            "{}",
            migrations[0].sql
        );
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
    fn a_lone_validation_needs_one_migration() {
        let migrations = schedule(&[repair(
            "t::a::fk",
            "ALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t_1 VALIDATE CONSTRAINT c;",
        )]);
        assert_eq!(migrations.len(), 1);
        assert!(migrations[0].transaction);
        assert!(
            migrations[0]
                .sql
                .starts_with("-- Written by `pg-invariants fix`: ")
        );
    }

    #[test]
    fn nothing_to_repair_is_no_migration() {
        assert!(schedule(&[]).is_empty());
    }
}
