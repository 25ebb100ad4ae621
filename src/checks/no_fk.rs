//! `<table>::<col>::no_fk`: the column deliberately has NO foreign key (a polymorphic event-store
//! id, say). Writing it down keeps schema-wide rules from demanding one, and keeps anyone from
//! adding one that would reject valid events; pair it with `orphans` to watch the data instead.

use super::machinery::repair::{Repair, Step};
use super::{Check, Context, Failure, On, Verdict};
use crate::names::TableName;
use crate::spec::Fact;

/// `<table>::<col>::no_fk`, as the plan states it: the column and the reason written for it.
pub struct Promise<'a>(pub On<'a>, pub &'a Fact<String>);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, reason) = *self;
        let promise = format!(
            "{}.{column} has no foreign key: {}",
            ctx.show(table),
            reason.value
        );
        let (t, _) = ctx.column(table, column, &reason.at, &promise)?;
        let offending: Vec<(TableName, String, String)> = ctx
            .catalog
            .with_partitions(t)
            .into_iter()
            .flat_map(|part| {
                part.foreign_keys()
                    .filter(|(c, _)| c.columns.iter().any(|n| n == column) && !c.inherited)
                    .map(|(c, _)| (part.name.clone(), c.name.clone(), c.definition.clone()))
            })
            .collect();
        if offending.is_empty() {
            return Ok(());
        }
        Err(Failure {
            at: Some(reason.at.clone()),
            promise,
            expected: format!("no foreign key involving {column}"),
            found: offending
                .iter()
                .map(|(owner, name, def)| format!("{}: {name} {def}", ctx.show(owner)))
                .collect::<Vec<_>>()
                .join("\n"),
            fix: Some(
                Repair::new(
                    offending
                        .iter()
                        .map(|(owner, name, _)| Step::drop_constraint(owner, name))
                        .collect(),
                )
                .note("or, if the foreign key is wanted now, replace no_fk with references in the invariant file")
                .into(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Build, Fixture, catalog, fact, name, table};
    use crate::referential::OnDelete;

    async fn verdict(events: crate::catalog::Table) -> (Fixture, Verdict) {
        let f = Fixture::new(catalog(
            vec![events, table("streams", &[("id", "uuid")])],
            Vec::new(),
        ));
        let reason = fact("polymorphic stream id".to_string(), "events.toml", 2);
        let promise = Promise(
            On {
                table: &name("events"),
                column: "stream_id",
            },
            &reason,
        );
        let verdict = promise.check(&f.ctx()).await;
        (f, verdict)
    }

    #[tokio::test]
    async fn a_column_without_a_key_holds() {
        let events = table("events", &[("stream_id", "uuid")]);
        assert_eq!(verdict(events).await.1, Ok(()));
    }

    #[tokio::test]
    async fn a_key_on_the_column_is_dropped() {
        let events = table("events", &[("stream_id", "uuid")]).fk(
            "stream_id",
            "streams.id",
            OnDelete::NoAction,
        );
        let (f, verdict) = verdict(events).await;
        insta::assert_snapshot!(f.shown(&verdict.unwrap_err()));
    }
}
