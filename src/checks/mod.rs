//! Checks: one file per kind of check, each exporting a `Promise` (the arguments the promise is
//! stated with, borrowed from the plan) that implements `Check`; `vocabulary` holds what they
//! all speak (`Context`, `Failure`, `Verdict`), `machinery` what several share without being
//! checks (running behavioural cases, batching them, deleting rows, repairs as values), and
//! `testing` the hand-built catalog their unit tests share. Each kind's tests sit at the bottom
//! of its file, its message snapshots in `snapshots/` beside it.
//!
//! This file only dispatches: one `match` over the plan's `CheckKind`, one arm per kind.

// A failure is the product, not an exception: it carries the whole message, and checks return
// one at most. Boxing it would buy nothing measurable.
#![allow(clippy::result_large_err)]

mod anon;
mod column_exists;
mod column_type;
mod coverage;
mod deploy;
mod fk;
mod function;
mod immutable;
mod indexed;
mod isolated;
mod machinery;
mod migrations;
mod no_fk;
mod not_null;
mod on_delete;
mod orphans;
mod primary_key;
mod purge;
mod rejects_invalid;
mod rls;
mod rule;
mod same_tenant;
mod snapshot;
mod table_exists;
mod tenancy_role;
mod view;
mod vocabulary;

use crate::plan::{CheckKind, ColumnFact};

/// Behavioural checks that share their cases' work (see `machinery::batch`).
pub use machinery::batch::{Batches, Member};
/// Repairs as values: what `pg-invariants fix` schedules into migrations.
pub use machinery::repair::{Fix, Repair, Runs, Step, comment};
/// Verdicts of the two set-up checks, which every other check depends on.
pub use migrations::verdict as setup_verdict;
use vocabulary::{Check, On, unchecked};
pub use vocabulary::{Context, Failure, Verdict};

/// Runs one check. Set-up checks are decided by [`setup_verdict`]: passed here, they fail
/// rather than pass unchecked.
pub async fn run(kind: &CheckKind, ctx: &Context<'_>) -> Verdict {
    match kind {
        CheckKind::Coverage { table } => coverage::Promise(table).check(ctx).await,
        CheckKind::Rule { name, at } => rule::Promise(name, at).check(ctx).await,
        CheckKind::TableExists { table, at } => table_exists::Promise(table, at).check(ctx).await,
        CheckKind::PrimaryKey { table, columns } => {
            primary_key::Promise(table, columns).check(ctx).await
        }
        CheckKind::Column {
            table,
            column,
            fact,
        } => run_column(ctx, On { table, column }, fact).await,
        CheckKind::Snapshot { table, at } => snapshot::Promise(table, at).check(ctx).await,
        CheckKind::TenancyRole { at } => tenancy_role::Promise(at).check(ctx).await,
        CheckKind::Rls { table, column, at } => {
            rls::Promise(On { table, column }, at).check(ctx).await
        }
        CheckKind::Purge { table, at } => purge::Promise(table, at).check(ctx).await,
        CheckKind::TableAnon { table, column } => {
            anon::Promise(On { table, column }).check(ctx).await
        }
        CheckKind::View { view, acting } => view::Promise(view, *acting).check(ctx).await,
        CheckKind::Function {
            function,
            args,
            acting,
        } => function::Promise(function, args, *acting).check(ctx).await,
        CheckKind::Apply | CheckKind::Idempotent | CheckKind::Deploy(_) => Err(unchecked(None)),
    }
}

/// The per-column facts: each kind's arguments are the column and what its file states.
async fn run_column(ctx: &Context<'_>, on: On<'_>, fact: &ColumnFact) -> Verdict {
    match fact {
        ColumnFact::Exists(at) => column_exists::Promise(on, at).check(ctx).await,
        ColumnFact::Type(expected) => column_type::Promise(on, expected).check(ctx).await,
        ColumnFact::Fk {
            references,
            on_delete,
        } => {
            fk::Promise(on, references, on_delete.as_ref())
                .check(ctx)
                .await
        }
        ColumnFact::Indexed(at) => indexed::Promise(on, at).check(ctx).await,
        ColumnFact::NoFk(reason) => no_fk::Promise(on, reason).check(ctx).await,
        ColumnFact::Orphans(orphans) => orphans::Promise(on, orphans).check(ctx).await,
        ColumnFact::NotNull(at) => not_null::Promise(on, at).check(ctx).await,
        ColumnFact::RejectsInvalid {
            references,
            on_delete,
        } => {
            let promise = rejects_invalid::Promise(on, references, on_delete.as_ref());
            promise.check(ctx).await
        }
        ColumnFact::OnDelete {
            references,
            on_delete,
        } => {
            on_delete::Promise(on, references, on_delete)
                .check(ctx)
                .await
        }
        ColumnFact::Immutable(at) => immutable::Promise(on, at).check(ctx).await,
        ColumnFact::Isolated(at) => isolated::Promise(on, at).check(ctx).await,
        ColumnFact::SameTenant(at) => same_tenant::Promise(on, at).check(ctx).await,
    }
}

/// The hand-built catalog and context the kinds' unit tests share.
#[cfg(test)]
mod testing;
