//! `<table>::purge`: deleting a row of the table is never refused and leaves nothing behind,
//! and the rows of every other row of the table stay as they were.
//!
//! "A user can't be deleted" and "deleting an organization left its events behind" are the
//! same bug: one forgotten `NO ACTION` foreign key among thirty, three tables down, or a table
//! whose tenant column no foreign key guards. `on_delete` proves one foreign key at a time;
//! this proves the whole graph at once. Rows are built under two rows X and Y of the table
//! through every foreign key chain that reaches it ([`dependents`]) and, for the tenant table,
//! in every table with a tenant column; then X is deleted. The DELETE must go through; no row
//! may still depend on X through a chain of foreign keys, nor hold X's id in a tenant column
//! (rows that SET NULL / SET DEFAULT detached are fine); and every row under Y reads as before.

use super::machinery::behaviour::{self, Run};
use super::machinery::deletion::{self, Deletion, Found};
use super::machinery::dependents::{Edge, Graph, Link, Tenants};
use super::machinery::repair;
use super::{Check, Context, Failure, Fix, Repair, Verdict};
use crate::catalog::Table;
use crate::location::Location;
use crate::names::{TableName, ident};
use crate::referential::OnDelete;
use crate::sandbox::DbError;
use crate::sandbox::sqlstate::is_foreign_key_refusal;
use crate::spec::{Fact, Reference};
use crate::synth::{Row, identify, typed};
use crate::tenancy;

/// More foreign keys than this reaching the table: the check says so instead of building
/// rows for minutes.
const MAX_EDGES: usize = 300;

/// `<table>::purge`, as the plan states it.
pub struct Promise<'a>(pub &'a TableName, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(table, at) = *self;
        let promise = format!(
            "deleting a row of {} deletes or detaches every row that depends on it, and changes no row of another",
            ctx.show(table)
        );
        let root = ctx.table(table, at, &promise)?;
        let tenancy = (ctx.spec.project.tenancy.as_ref()).filter(|t| t.is_tenant_table(table));
        let key = tenancy.map(|t| t.tenants.value.column.as_str());
        let columns = match key {
            Some(_) => tenant_columns(ctx),
            None => Vec::new(),
        };
        let tenants = key.map(|key| Tenants {
            key,
            columns: &columns,
        });
        let graph = Graph::walk(ctx.catalog, table, tenants.as_ref());
        let purge = Purge {
            ctx,
            root,
            graph: &graph,
            key,
            tenant_columns: &columns,
            at,
            promise: &promise,
        };
        if graph.edges.len() > MAX_EDGES {
            return Err(purge.too_large());
        }
        behaviour::one_case(ctx, async |run: &mut Run<'_>| purge.run(run).await).await
    }
}

/// Every `tenant = true` column of a table other than the tenant table, declared in a table
/// file or marked by a rule (partitions belong to their parent).
fn tenant_columns(ctx: &Context<'_>) -> Vec<(TableName, String)> {
    (ctx.catalog.tables.iter())
        .filter(|t| t.parent.is_none())
        .flat_map(|t| {
            tenancy::tenant_columns(ctx.spec, t)
                .into_iter()
                .map(|c| (t.name.clone(), c))
        })
        .collect()
}

/// One purge check: the table, the graph of what depends on it, and how failures read.
struct Purge<'a> {
    ctx: &'a Context<'a>,
    root: &'a Table,
    graph: &'a Graph,
    /// The tenant key, when the table is the tenant table.
    key: Option<&'a str>,
    tenant_columns: &'a [(TableName, String)],
    at: &'a Location,
    promise: &'a str,
}

/// Rows under X (index 0) and under Y (index 1).
type Pair = [Row; 2];

/// The rows built: X and Y, then one row under each for every edge of the graph.
struct Built {
    roots: Pair,
    rows: Vec<Pair>,
}

/// What the rows under Y were before the DELETE.
struct Before {
    /// Y, then the row under Y of every edge: as found again.
    rows: Vec<Vec<Found>>,
    /// Rows holding Y's id, per tenant column.
    tenant: Vec<i64>,
}

/// What became of a row under X.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Gone,
    /// Still there, no longer pointing where it pointed (SET NULL, SET DEFAULT), or under a row
    /// that no longer does.
    Detached,
    /// Still there, still pointing at a row of X's chain.
    LeftBehind,
}

impl Purge<'_> {
    fn show(&self, table: &TableName) -> String {
        self.ctx.show(table)
    }

    fn failure(&self, found: String, run: Option<&Run<'_>>, fix: Option<Fix>) -> Failure {
        let transcript = run
            .map(|r| format!("\n{}", behaviour::transcript(&r.sb)))
            .unwrap_or_default();
        let tenant = match self.key {
            Some(_) => " and no tenant column holds its id",
            None => "",
        };
        Failure {
            at: Some(self.at.clone()),
            promise: self.promise.to_string(),
            expected: format!(
                "the DELETE succeeds; afterwards no row references the deleted row through a chain of foreign keys{tenant} (rows detached by SET NULL / SET DEFAULT are fine), and the rows of another {} row are unchanged",
                self.show(&self.root.name)
            ),
            found: format!("{found}{transcript}"),
            fix,
        }
    }

    fn too_large(&self) -> Failure {
        self.failure(
            format!(
                "{} foreign keys and tenant columns reach {} (more than {MAX_EDGES}): the check builds two rows for each, which would take minutes; purge a table nearer the leaves, or split the schema",
                self.graph.edges.len(),
                self.show(&self.root.name)
            ),
            None,
            None,
        )
    }

    async fn run(&self, run: &mut Run<'_>) -> Verdict {
        let built = self.build(run).await?;
        let before = self.before(run, &built).await?;
        let x = identify(self.root, &built.roots[0], None);
        let deletion = deletion::delete(run, &self.root.name, &x)
            .await
            .map_err(|e| self.failure(format!("the DELETE {e}"), Some(run), None))?;
        match deletion {
            Deletion::Refused(e) => Err(self.refused(run, &e)),
            Deletion::Deleted(0) => Err(self.failure(
                "the DELETE deleted nothing: a BEFORE DELETE trigger or a rule kept the row".into(),
                Some(run),
                None,
            )),
            Deletion::Deleted(_) => self.compare(run, &built, &before).await,
        }
    }

    /// X and Y, then for every edge a row under X's and a row under Y's rows of its target.
    async fn build(&self, run: &mut Run<'_>) -> Result<Built, Failure> {
        let (ctx, at, promise) = (self.ctx, self.at, self.promise);
        let x = run.row(ctx, &self.root.name, true, at, promise).await?;
        let y = run.row(ctx, &self.root.name, true, at, promise).await?;
        let mut built = Built {
            roots: [x, y],
            rows: Vec::new(),
        };
        for e in 0..self.graph.edges.len() {
            let under_x = self.build_row(run, &built, e, 0).await?;
            let under_y = self.build_row(run, &built, e, 1).await?;
            built.rows.push([under_x, under_y]);
        }
        Ok(built)
    }

    /// The row of edge `e` on a side (0 for X, 1 for Y), under that side's row of its target.
    async fn build_row(
        &self,
        run: &mut Run<'_>,
        built: &Built,
        e: usize,
        side: usize,
    ) -> Result<Row, Failure> {
        let edge = &self.graph.edges[e];
        let root = &built.roots[side];
        let parent = edge.via.map_or(root, |v| &built.rows[v][side]);
        let path = || self.graph.path_text(e, &|t| self.show(t));
        let fixed = (self.fixed(e, parent, root)).map_err(|e| self.failure(e, Some(run), None))?;
        let rows =
            deletion::build_under(self.ctx, run, &edge.table, &fixed, 1, self.at, self.promise)
                .await
                .map_err(|mut f| {
                    f.found = format!("for {}: {}", path(), f.found);
                    f
                })?;
        let Some(row) = rows.into_iter().next() else {
            let found = format!(
                "for {}: no row of {} was built",
                path(),
                self.show(&edge.table)
            );
            return Err(self.failure(found, Some(run), None));
        };
        // A BEFORE INSERT trigger that rewrote the key leaves the chain unexercised.
        let mut pairs = edge.columns.iter().zip(&edge.target_columns);
        if let Some((c, t)) = pairs.find(|(c, t)| row.text(c) != parent.text(t)) {
            let found = format!(
                "for {}: the row of {} written with {c} = {} holds {c} = {}: a trigger replaced it, so this chain cannot be exercised",
                path(),
                self.show(&edge.table),
                parent.text(t).unwrap_or("NULL"),
                row.text(c).unwrap_or("NULL")
            );
            return Err(self.failure(found, Some(run), None));
        }
        Ok(row)
    }

    /// The columns a row of edge `e` is written with: the edge's columns set to its parent's
    /// values (a nullable foreign key too, so that the chain is really exercised), and, under
    /// the tenant table, its tenant columns set to the root row's id.
    fn fixed(&self, e: usize, parent: &Row, root: &Row) -> Result<Vec<(String, String)>, String> {
        let edge = &self.graph.edges[e];
        let table = self.table(&edge.table)?;
        let mut fixed = Vec::new();
        for (c, target) in edge.columns.iter().zip(&edge.target_columns) {
            let Some(column) = table.column(c) else {
                return Err(format!("{} has no column {c}", self.show(&edge.table)));
            };
            let Some(value) = parent.text(target) else {
                return Err(format!(
                    "the row of {} built for {} has {target} = NULL, so no row can reference it: a [sample] for {target} in its table file gives it a value",
                    self.show(&edge.target),
                    self.graph.path_text(e, &|t| self.show(t))
                ));
            };
            fixed.push((c.clone(), typed(Some(value), column)));
        }
        let Some(key) = self.key else {
            return Ok(fixed);
        };
        for (t, c) in self.tenant_columns {
            if t != &edge.table || edge.columns.contains(c) {
                continue;
            }
            if let Some(column) = table.column(c) {
                fixed.push((c.clone(), typed(root.text(key), column)));
            }
        }
        Ok(fixed)
    }

    fn table(&self, name: &TableName) -> Result<&Table, String> {
        (self.ctx.catalog.table(name)).ok_or_else(|| format!("no table {}", self.show(name)))
    }

    /// The rows under Y as they read before the DELETE, and how many rows hold Y's id.
    async fn before(&self, run: &mut Run<'_>, built: &Built) -> Result<Before, Failure> {
        let mut rows = Vec::new();
        for (table, row) in self.under(built, 1) {
            let found = self.read(run, table, row, &[]).await.map_err(|e| {
                self.failure(format!("reading a row back failed: {e}"), Some(run), None)
            })?;
            rows.push(found);
        }
        let tenant = self.tenant_counts(run, &built.roots[1]).await?;
        Ok(Before { rows, tenant })
    }

    /// The root row of a side, then that side's row of every edge, with its table.
    fn under<'b>(&'b self, built: &'b Built, side: usize) -> Vec<(&'b TableName, &'b Row)> {
        let mut out = vec![(&self.root.name, &built.roots[side])];
        for (edge, pair) in self.graph.edges.iter().zip(&built.rows) {
            out.push((&edge.table, &pair[side]));
        }
        out
    }

    async fn read(
        &self,
        run: &mut Run<'_>,
        table: &TableName,
        row: &Row,
        columns: &[String],
    ) -> Result<Vec<Found>, DbError> {
        let Some(t) = self.ctx.catalog.table(table) else {
            return Ok(Vec::new());
        };
        deletion::read(run, t, row, None, columns).await
    }

    /// How many rows hold the root row's id, per tenant column (empty outside the tenant table).
    async fn tenant_counts(&self, run: &mut Run<'_>, root: &Row) -> Result<Vec<i64>, Failure> {
        let Some(key) = self.key else {
            return Ok(Vec::new());
        };
        let mut counts = Vec::new();
        for (table, column) in self.tenant_columns {
            let Some(col) = self.ctx.catalog.table(table).and_then(|t| t.column(column)) else {
                counts.push(0);
                continue;
            };
            let sql = format!(
                "SELECT count(*)::text FROM {} WHERE {} = {}",
                table.sql(),
                ident(column),
                typed(root.text(key), col)
            );
            let n = run.sb.value(&sql).await.map_err(|e| {
                self.failure(
                    format!("counting the rows of a tenant failed: {e}"),
                    Some(run),
                    None,
                )
            })?;
            counts.push(n.and_then(|n| n.parse().ok()).unwrap_or_default());
        }
        Ok(counts)
    }

    /// The DELETE was refused: by which foreign key, and its path from the table; every
    /// foreign key the catalog shows would refuse it too; the CASCADE each needs.
    fn refused(&self, run: &Run<'_>, e: &DbError) -> Failure {
        let show = |t: &TableName| self.show(t);
        let refusing = is_foreign_key_refusal(&e.code)
            .then(|| self.edge_of(e))
            .flatten();
        let mut found = match refusing {
            Some(i) => {
                let edge = &self.graph.edges[i];
                format!(
                    "the DELETE was refused by foreign key {} on {}.{}: {}\n{e}",
                    edge.constraint().unwrap_or_default(),
                    show(&edge.table),
                    edge.columns_text(),
                    self.graph.path_text(i, &show)
                )
            }
            None => format!("the DELETE was refused: {e}"),
        };
        let mut blockers = self.graph.blockers();
        let others: Vec<String> = (blockers.iter())
            .filter(|b| Some(**b) != refusing)
            .map(|b| format!("  {}", self.graph.path_text(*b, &show)))
            .collect();
        if !others.is_empty() {
            found.push_str(&format!(
                "\nforeign keys that refuse it too, once that one no longer does:\n{}",
                others.join("\n")
            ));
        }
        if let Some(i) = refusing.filter(|i| !blockers.contains(i)) {
            blockers.insert(0, i);
        }
        self.failure(found, Some(run), self.cascade(&blockers))
    }

    /// The edge of the foreign key a 23503 (23001 on PostgreSQL 18) names: by its name, or (a constraint PostgreSQL
    /// cloned onto a partition) by the partition's parent and columns.
    fn edge_of(&self, e: &DbError) -> Option<usize> {
        let name = e.constraint.as_deref()?;
        let edges = &self.graph.edges;
        if let Some(i) = edges.iter().position(|x| x.constraint() == Some(name)) {
            return Some(i);
        }
        let catalog = self.ctx.catalog;
        let (table, constraint) = catalog.tables.iter().find_map(|t| {
            let same_table = e.table.as_deref().is_none_or(|n| n == t.name.name);
            let c = t.constraints.iter().find(|c| c.name == name)?;
            same_table.then_some((t, c))
        })?;
        let mut top = table;
        while let Some(parent) = top.parent.as_ref().and_then(|p| catalog.table(p)) {
            top = parent;
        }
        edges
            .iter()
            .position(|x| x.table == top.name && x.columns == constraint.columns)
    }

    /// `ON DELETE CASCADE` for each edge: a foreign key given it (keeping its name and every
    /// other property), or one added where a tenant column has none.
    fn cascade(&self, edges: &[usize]) -> Option<Fix> {
        let mut out = Repair::default();
        for &i in edges {
            let edge = &self.graph.edges[i];
            let Some(table) = self.ctx.catalog.table(&edge.table) else {
                continue;
            };
            let repair = match edge.constraint() {
                Some(name) => {
                    let Some((c, fk)) = table.foreign_keys().find(|(c, _)| c.name == name) else {
                        continue;
                    };
                    repair::replace_on_delete(table, c, fk, OnDelete::Cascade)
                }
                None => match self.add_tenant_key(edge) {
                    Some(repair) => repair,
                    None => continue,
                },
            };
            out.steps.extend(repair.steps);
            out.notes.extend(repair.notes);
            let nullable =
                (edge.columns.iter()).any(|c| table.column(c).is_some_and(|c| !c.not_null));
            if nullable && edge.link != Link::Tenant {
                out.notes.push(format!(
                    "or ON DELETE SET NULL on {}, if a row of {} should outlive the row it references",
                    edge.constraint().unwrap_or_default(),
                    self.show(&edge.table)
                ));
            }
        }
        (!out.steps.is_empty() || !out.notes.is_empty()).then(|| out.into())
    }

    /// The foreign key from an unguarded tenant column to the tenant key, `ON DELETE CASCADE`.
    fn add_tenant_key(&self, edge: &Edge) -> Option<Repair> {
        let [column] = edge.columns.as_slice() else {
            return None;
        };
        let references = Fact {
            value: Reference {
                table: edge.target.clone(),
                column: edge.target_columns.first()?.clone(),
            },
            at: self.at.clone(),
        };
        let on_delete = Fact {
            value: OnDelete::Cascade,
            at: self.at.clone(),
        };
        repair::foreign_key(self.ctx, &edge.table, column, &references, Some(&on_delete))
            .map(|fk| fk.repair)
    }

    /// After the DELETE: nothing of X left, nothing of Y changed.
    async fn compare(&self, run: &mut Run<'_>, built: &Built, before: &Before) -> Verdict {
        let mut problems = self.left_behind(run, built).await?;
        let (tenant, unguarded) = self.tenant_left(run, &built.roots[0]).await?;
        problems.extend(tenant);
        let others = problems.len();
        problems.extend(self.changed(run, built, before).await?);
        if problems.len() > others {
            problems.push(
                "a trigger or rule on a table of the graph changes rows beyond the deleted row's"
                    .into(),
            );
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(self.failure(
            format!("after the DELETE:\n{}", problems.join("\n")),
            Some(run),
            self.cascade(&unguarded),
        ))
    }

    /// Rows under X that still point at X's chain, per edge of a foreign key.
    async fn left_behind(&self, run: &mut Run<'_>, built: &Built) -> Result<Vec<String>, Failure> {
        let mut status: Vec<Status> = Vec::new();
        let mut problems = Vec::new();
        for (i, edge) in self.graph.edges.iter().enumerate() {
            let row = &built.rows[i][0];
            let now = self
                .read(run, &edge.table, row, &edge.columns)
                .await
                .map_err(|e| {
                    self.failure(format!("reading a row back failed: {e}"), Some(run), None)
                })?;
            let above = edge.via.map(|v| status[v]).unwrap_or(Status::Gone);
            let was: Vec<Option<String>> = (edge.columns.iter())
                .map(|c| row.text(c).map(str::to_string))
                .collect();
            let s = match now.first() {
                None => Status::Gone,
                Some(f) if f.values == was && above != Status::Detached => Status::LeftBehind,
                Some(_) => Status::Detached,
            };
            status.push(s);
            // A tenant column's rows are counted by value (see tenant_left).
            if s == Status::LeftBehind && edge.link != Link::Tenant {
                problems.push(format!(
                    "{}: its row ({}) is still there, still depending on the deleted row through {}",
                    self.show(&edge.table),
                    self.identify(&edge.table, row),
                    self.graph.path_text(i, &|t| self.show(t))
                ));
            }
        }
        Ok(problems)
    }

    fn identify(&self, table: &TableName, row: &Row) -> String {
        match self.ctx.catalog.table(table) {
            Some(t) => identify(t, row, None),
            None => String::new(),
        }
    }

    /// Tables whose tenant column still holds X's id, with how many rows; and the edges of the
    /// unguarded tenant columns among them, which need a foreign key.
    async fn tenant_left(
        &self,
        run: &mut Run<'_>,
        x: &Row,
    ) -> Result<(Vec<String>, Vec<usize>), Failure> {
        let counts = self.tenant_counts(run, x).await?;
        let mut problems = Vec::new();
        let mut unguarded = Vec::new();
        for ((table, column), n) in self.tenant_columns.iter().zip(counts) {
            if n == 0 {
                continue;
            }
            problems.push(format!(
                "{}: {n} row(s) left behind with {column} = the deleted row's id",
                self.show(table)
            ));
            let edge = self.graph.edges.iter().position(|e| {
                e.link == Link::Tenant && &e.table == table && e.columns == [column.clone()]
            });
            unguarded.extend(edge);
        }
        Ok((problems, unguarded))
    }

    /// Rows under Y that no longer read as they did, and tenant columns holding Y's id in
    /// another number of rows.
    async fn changed(
        &self,
        run: &mut Run<'_>,
        built: &Built,
        before: &Before,
    ) -> Result<Vec<String>, Failure> {
        let mut problems = Vec::new();
        for ((table, row), was) in self.under(built, 1).into_iter().zip(&before.rows) {
            let now = self.read(run, table, row, &[]).await.map_err(|e| {
                self.failure(format!("reading a row back failed: {e}"), Some(run), None)
            })?;
            if now == *was {
                continue;
            }
            let text = |f: &[Found]| match f {
                [] => "deleted".to_string(),
                [one] => one.text.clone(),
                many => format!("{} rows", many.len()),
            };
            problems.push(format!(
                "a row of another {} row changed: {} ({}) was {}, is now {}",
                self.show(&self.root.name),
                self.show(table),
                self.identify(table, row),
                text(was),
                text(&now)
            ));
        }
        let counts = self.tenant_counts(run, &built.roots[1]).await?;
        for (((table, column), n), was) in
            self.tenant_columns.iter().zip(counts).zip(&before.tenant)
        {
            if n != *was {
                problems.push(format!(
                    "{}: {was} row(s) of another {} row (by {column}) before the DELETE, {n} after",
                    self.show(table),
                    self.show(&self.root.name)
                ));
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Build, Fixture, at, catalog, db_error, name, table};

    /// Organizations; projects cascade from them, tasks (nullable `project_id`) and notes are
    /// NO ACTION below projects.
    fn fixture() -> Fixture {
        let tables = vec![
            table("orgs", &[("id", "bigint")]).pk(&["id"]),
            table("projects", &[("id", "bigint"), ("org_id", "bigint")])
                .pk(&["id"])
                .fk("org_id", "orgs.id", OnDelete::Cascade),
            table("tasks", &[("id", "bigint"), ("project_id", "bigint")]).fk(
                "project_id",
                "projects.id",
                OnDelete::NoAction,
            ),
            table("notes", &[("id", "bigint"), ("project_id", "bigint")]).fk(
                "project_id",
                "projects.id",
                OnDelete::Restrict,
            ),
        ];
        Fixture::new(catalog(tables, Vec::new()))
    }

    #[test]
    fn the_refusing_key_is_found_by_name_and_every_blocker_is_given_cascade() {
        let f = fixture();
        let ctx = f.ctx();
        let graph = Graph::walk(ctx.catalog, &name("orgs"), None);
        let at = at("orgs.toml", 2);
        let purge = Purge {
            ctx: &ctx,
            root: ctx.catalog.table(&name("orgs")).expect("orgs"),
            graph: &graph,
            key: None,
            tenant_columns: &[],
            at: &at,
            promise: "deleting a row of orgs deletes or detaches every row that depends on it",
        };
        let refusal = DbError {
            constraint: Some("notes_project_id_fkey".into()),
            ..db_error("23503", "update or delete violates foreign key constraint")
        };
        let refusing = purge.edge_of(&refusal).expect("the refusing edge");
        assert_eq!(graph.edges[refusing].table, name("notes"));
        let fix = purge.cascade(&graph.blockers()).expect("a repair");
        insta::assert_snapshot!(fix.to_string());
    }
}
