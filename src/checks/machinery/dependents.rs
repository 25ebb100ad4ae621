//! What depends on the rows of a table: every foreign key that reaches it, transitively (tables
//! referencing it, tables referencing those, …), and, for the tenant table, every tenant column
//! that no foreign key guards (an event-sourced projection holds the tenant's id by value).
//!
//! Pure: read from the catalog, so `purge` knows which rows to build before it touches the
//! database, and which foreign keys refuse a DELETE before it runs one.

use std::collections::{HashMap, VecDeque};

use crate::catalog::Catalog;
use crate::names::TableName;
use crate::referential::OnDelete;

/// How the rows of one table depend on the rows of another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// A foreign key constraint, and what it does when the referenced row is deleted.
    ForeignKey {
        constraint: String,
        on_delete: OnDelete,
    },
    /// A tenant column no foreign key reaches the tenant table from: its rows hold the tenant's
    /// id by value, and nothing deletes them with the tenant unless the schema does.
    Tenant,
}

/// Rows of `table` whose `columns` hold the `target_columns` of rows of `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub table: TableName,
    pub columns: Vec<String>,
    pub target: TableName,
    pub target_columns: Vec<String>,
    pub link: Link,
    /// The edge whose rows of `target` this edge's rows are built under; `None` when `target`
    /// is the root: rows are built breadth first, each under rows built before it.
    pub via: Option<usize>,
}

impl Edge {
    /// The ON DELETE of a foreign key; `None` for a tenant column.
    pub fn on_delete(&self) -> Option<OnDelete> {
        match self.link {
            Link::ForeignKey { on_delete, .. } => Some(on_delete),
            Link::Tenant => None,
        }
    }

    /// `col`, or `(a, b)` for a key of several columns.
    pub fn columns_text(&self) -> String {
        match self.columns.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join(", ")),
        }
    }

    pub fn constraint(&self) -> Option<&str> {
        match &self.link {
            Link::ForeignKey { constraint, .. } => Some(constraint),
            Link::Tenant => None,
        }
    }
}

/// The tenant columns to follow when the root is the tenant table.
pub struct Tenants<'a> {
    /// The tenant table's key.
    pub key: &'a str,
    /// Every `tenant = true` column, as (table, column).
    pub columns: &'a [(TableName, String)],
}

/// Every edge into the root or into a table reached from it, breadth first.
#[derive(Debug, Clone)]
pub struct Graph {
    pub root: TableName,
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Walks the catalog's foreign keys from `root`. A table is expanded once (cycles and
    /// self-references end there) but every foreign key into a reached table is an edge.
    /// Constraints a partition inherits are its parent's: the parent's one edge covers them.
    /// Tenant columns of tables no foreign key chain reaches become edges of their own, and the
    /// walk goes on from them (rows referencing a projection depend on the tenant too).
    pub fn walk(catalog: &Catalog, root: &TableName, tenants: Option<&Tenants<'_>>) -> Self {
        let mut graph = Self {
            root: root.clone(),
            edges: Vec::new(),
        };
        let mut built: HashMap<TableName, Option<usize>> = HashMap::from([(root.clone(), None)]);
        let mut queue = VecDeque::from([root.clone()]);
        graph.follow_keys(catalog, &mut built, &mut queue);
        let Some(tenants) = tenants else {
            return graph;
        };
        for (table, column) in tenants.columns {
            if built.contains_key(table) {
                continue;
            }
            graph.edges.push(Edge {
                table: table.clone(),
                columns: vec![column.clone()],
                target: root.clone(),
                target_columns: vec![tenants.key.to_string()],
                link: Link::Tenant,
                via: None,
            });
            built.insert(table.clone(), Some(graph.edges.len() - 1));
            queue.push_back(table.clone());
        }
        graph.follow_keys(catalog, &mut built, &mut queue);
        graph
    }

    fn follow_keys(
        &mut self,
        catalog: &Catalog,
        built: &mut HashMap<TableName, Option<usize>>,
        queue: &mut VecDeque<TableName>,
    ) {
        while let Some(target) = queue.pop_front() {
            let via = built.get(&target).copied().flatten();
            for table in &catalog.tables {
                for (c, fk) in table.foreign_keys() {
                    if c.inherited || fk.target != target {
                        continue;
                    }
                    self.edges.push(Edge {
                        table: table.name.clone(),
                        columns: c.columns.clone(),
                        target: target.clone(),
                        target_columns: fk.target_columns.clone(),
                        link: Link::ForeignKey {
                            constraint: c.name.clone(),
                            on_delete: fk.on_delete,
                        },
                        via,
                    });
                    if !built.contains_key(&table.name) {
                        built.insert(table.name.clone(), Some(self.edges.len() - 1));
                        queue.push_back(table.name.clone());
                    }
                }
            }
        }
    }

    /// The tables a DELETE of a root row deletes rows of: the root, and every table a chain of
    /// `CASCADE` foreign keys reaches; each with the edge that deletes its rows.
    fn deleted(&self) -> HashMap<&TableName, Option<usize>> {
        let mut deleted = HashMap::from([(&self.root, None)]);
        loop {
            let before = deleted.len();
            for (i, e) in self.edges.iter().enumerate() {
                if e.on_delete() == Some(OnDelete::Cascade)
                    && deleted.contains_key(&e.target)
                    && !deleted.contains_key(&e.table)
                {
                    deleted.insert(&e.table, Some(i));
                }
            }
            if deleted.len() == before {
                return deleted;
            }
        }
    }

    /// The foreign keys that refuse the DELETE of a root row with rows under it: `RESTRICT` or
    /// `NO ACTION` into a table whose rows the DELETE deletes. `NO ACTION` is checked when the
    /// statement ends: rows another cascade deletes by then refuse nothing (rows of the root
    /// itself are other rows than the one deleted, so a self-reference still refuses).
    pub fn blockers(&self) -> Vec<usize> {
        let deleted = self.deleted();
        let refuses = |e: &Edge| match e.on_delete() {
            Some(OnDelete::Restrict) => true,
            Some(OnDelete::NoAction) => !matches!(deleted.get(&e.table), Some(Some(_))),
            _ => false,
        };
        (self.edges.iter().enumerate())
            .filter(|(_, e)| refuses(e) && deleted.contains_key(&e.target))
            .map(|(i, _)| i)
            .collect()
    }

    /// The edges from the root to edge `e`, root side first: through the cascade that deletes
    /// its target's rows when there is one, else the way its rows were built.
    pub fn path(&self, e: usize) -> Vec<usize> {
        let deleted = self.deleted();
        let mut path = vec![e];
        let mut next = match deleted.get(&self.edges[e].target) {
            Some(reason) => *reason,
            None => self.edges[e].via,
        };
        while let Some(i) = next {
            if path.contains(&i) {
                break;
            }
            path.push(i);
            next = match deleted.get(&self.edges[i].target) {
                Some(reason) => *reason,
                None => self.edges[i].via,
            };
        }
        path.reverse();
        path
    }

    /// The path to edge `e` as a message shows it: `organizations ← projects.org_id ←
    /// tasks.project_id (NO ACTION)`.
    pub fn path_text(&self, e: usize, show: &dyn Fn(&TableName) -> String) -> String {
        let mut text = show(&self.root);
        for i in self.path(e) {
            let edge = &self.edges[i];
            text.push_str(&format!(" ← {}.{}", show(&edge.table), edge.columns_text()));
        }
        let last = match self.edges[e].on_delete() {
            Some(action) => action.sql(),
            None => "tenant column, no foreign key",
        };
        format!("{text} ({last})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{self, Build, name, table};

    /// A catalog of tables with foreign keys `(table, column, target, action)`.
    fn catalog(tables: &[&str], fks: &[(&str, &str, &str, OnDelete)]) -> Catalog {
        let built = tables.iter().map(|t| {
            let keys = fks.iter().filter(|(table, ..)| table == t);
            keys.fold(table(t, &[]), |built, (_, column, target, action)| {
                built.fk(column, &format!("{target}.id"), *action)
            })
        });
        testing::catalog(built.collect(), Vec::new())
    }

    fn show(t: &TableName) -> String {
        t.name.clone()
    }

    use OnDelete::{Cascade, NoAction, Restrict, SetNull};

    #[test]
    fn a_deep_no_action_blocks_through_the_cascades_above_it() {
        let c = catalog(
            &["orgs", "projects", "tasks", "comments"],
            &[
                ("projects", "org_id", "orgs", Cascade),
                ("tasks", "project_id", "projects", Cascade),
                ("comments", "task_id", "tasks", NoAction),
            ],
        );
        let g = Graph::walk(&c, &name("orgs"), None);
        assert_eq!(g.edges.len(), 3);
        assert_eq!(g.blockers(), vec![2]);
        assert_eq!(
            g.path_text(2, &show),
            "orgs ← projects.org_id ← tasks.project_id ← comments.task_id (NO ACTION)"
        );
    }

    #[test]
    fn a_no_action_on_rows_another_cascade_deletes_refuses_nothing_but_restrict_does() {
        let c = catalog(
            &["orgs", "projects", "tasks", "notes"],
            &[
                ("projects", "org_id", "orgs", Cascade),
                ("tasks", "org_id", "orgs", Cascade),
                ("tasks", "project_id", "projects", NoAction),
                ("notes", "org_id", "orgs", Cascade),
                ("notes", "project_id", "projects", Restrict),
            ],
        );
        let g = Graph::walk(&c, &name("orgs"), None);
        let blockers: Vec<(&str, &str)> = (g.blockers().into_iter())
            .map(|i| {
                (
                    g.edges[i].table.name.as_str(),
                    g.edges[i].columns[0].as_str(),
                )
            })
            .collect();
        assert_eq!(blockers, [("notes", "project_id")]);
    }

    #[test]
    fn a_set_null_detaches_so_what_is_below_it_blocks_nothing() {
        let c = catalog(
            &["orgs", "projects", "tasks"],
            &[
                ("projects", "org_id", "orgs", SetNull),
                ("tasks", "project_id", "projects", Restrict),
            ],
        );
        let g = Graph::walk(&c, &name("orgs"), None);
        assert_eq!(g.edges.len(), 2);
        assert!(g.blockers().is_empty());
        // Rows are still built under the detached rows: they must stay as they were.
        assert_eq!(g.edges[1].via, Some(0));
    }

    #[test]
    fn cycles_and_self_references_end_but_every_key_is_an_edge() {
        let c = catalog(
            &["orgs", "folders", "owners"],
            &[
                ("folders", "org_id", "orgs", Cascade),
                ("folders", "parent_id", "folders", Cascade),
                ("orgs", "owner_id", "owners", SetNull),
                ("owners", "org_id", "orgs", Cascade),
                ("orgs", "parent_org", "orgs", NoAction),
            ],
        );
        let g = Graph::walk(&c, &name("orgs"), None);
        let found: Vec<(&str, &str)> = g
            .edges
            .iter()
            .map(|e| (e.table.name.as_str(), e.columns[0].as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("folders", "org_id"),
                ("orgs", "parent_org"),
                ("owners", "org_id"),
                ("folders", "parent_id"),
                ("orgs", "owner_id"),
            ]
        );
        // The self-reference on the purged table refuses its DELETE.
        assert_eq!(g.blockers(), vec![1]);
        assert_eq!(g.path_text(1, &show), "orgs ← orgs.parent_org (NO ACTION)");
        // Rows of folders under folders are built under the first folder row.
        assert_eq!(g.edges[3].via, Some(0));
    }

    #[test]
    fn unguarded_tenant_columns_are_edges_and_the_walk_goes_on_from_them() {
        let c = catalog(
            &["orgs", "projects", "projection", "projection_items"],
            &[
                ("projects", "org_id", "orgs", Cascade),
                ("projection_items", "projection_id", "projection", NoAction),
            ],
        );
        let columns = [
            (name("projects"), "org_id".to_string()),
            (name("projection"), "org_id".to_string()),
        ];
        let tenants = Tenants {
            key: "id",
            columns: &columns,
        };
        let g = Graph::walk(&c, &name("orgs"), Some(&tenants));
        assert_eq!(g.edges.len(), 3);
        assert_eq!(g.edges[1].link, Link::Tenant);
        assert_eq!(g.edges[1].table, name("projection"));
        assert_eq!(g.edges[2].via, Some(1));
        // Nothing deletes the projection's rows, so its NO ACTION never fires.
        assert!(g.blockers().is_empty());
        assert_eq!(
            g.path_text(1, &show),
            "orgs ← projection.org_id (tenant column, no foreign key)"
        );
    }

    #[test]
    fn a_key_a_partition_inherits_is_its_parents_edge() {
        let mut c = catalog(
            &["orgs", "events", "events_2024"],
            &[
                ("events", "org_id", "orgs", Cascade),
                ("events_2024", "org_id", "orgs", Cascade),
            ],
        );
        let part = c
            .tables
            .iter_mut()
            .find(|t| t.name.name == "events_2024")
            .expect("partition");
        part.parent = Some(name("events"));
        if let Some(k) = part.constraints.first_mut() {
            k.inherited = true;
        }
        let g = Graph::walk(&c, &name("orgs"), None);
        assert_eq!(g.edges.len(), 1);
        assert_eq!(g.edges[0].table, name("events"));
    }
}
