//! The deploy window's tests (`[upgrade]`, docs/deploys.md), named after what the set-up
//! found: the new migrations, the application's queries, the tables that held rows.

use super::{Check, CheckKind};
use crate::upgrade::Outcome;

/// One test of the deploy window, by its index in the [`Outcome`]'s lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deploy {
    /// `upgrade::apply`.
    Apply,
    /// `upgrade::<table>::rows`.
    Rows(usize),
    /// `migrations::<migration>::locks`.
    Locks(usize),
    /// `migrations::<migration>::reversible`.
    Reversible(usize),
    /// `queries::<file>::<name>`.
    Query(usize),
}

/// `upgrade::apply`, then per new migration its `locks` (and `reversible`) test, the queries,
/// and the rows of each table.
pub(super) fn checks(upgrade: &Outcome, out: &mut Vec<Check>) {
    let mut add = |name: String, test: Deploy| {
        out.push(Check {
            name,
            kind: CheckKind::Deploy(test),
        })
    };
    add("upgrade::apply".into(), Deploy::Apply);
    for (i, migration) in upgrade.names.iter().enumerate() {
        add(format!("migrations::{migration}::locks"), Deploy::Locks(i));
        if upgrade.reversible.len() > i {
            add(
                format!("migrations::{migration}::reversible"),
                Deploy::Reversible(i),
            );
        }
    }
    for (i, query) in upgrade.query_list.iter().enumerate() {
        add(
            format!("queries::{}::{}", query.file, query.name),
            Deploy::Query(i),
        );
    }
    for (i, (table, _)) in upgrade.tables.iter().enumerate() {
        add(format!("upgrade::{table}::rows"), Deploy::Rows(i));
    }
}
