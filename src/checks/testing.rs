//! A catalog, a spec and a context built by hand, shared by the check kinds' unit tests (one
//! builder, not a copy per file).
//!
//! Structural checks are a function of the catalog and the spec, so a hand-built [`Catalog`]
//! decides them exactly as the one read after the migrations would. The context's pool then
//! points at a server that does not exist and is never connected to: a structural check does
//! not use it, and a check that did would fail to connect, never pass. Behavioural checks are
//! tested through their pure parts (case selection, messages), and where the result needs the
//! database, on a real PostgreSQL of the test's own ([`Fixture::on_server`]).

use std::path::PathBuf;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tempfile::TempDir;

use super::{Context, Failure};
use crate::catalog::{
    Catalog, Column, Constraint, ConstraintKind, Index, Role, Table, TableKind, ValueType,
};
use crate::location::Location;
use crate::names::{TableName, ident};
use crate::provision::{Cache, Postgres, Source};
use crate::referential::OnDelete;
use crate::sandbox::DbError;
use crate::snapshot::{Policy, Update};
use crate::spec::{Backend, DatabaseConfig, Fact, Preset, Reference, Spec};

/// `name` in `public`, or `schema.name`.
pub fn name(table: &str) -> TableName {
    TableName::parse(table, "public")
}

/// Where a test says a fact was written: line `line` of `invariants/<file>`.
pub fn at(file: &str, line: usize) -> Location {
    Location {
        path: PathBuf::from("invariants").join(file),
        line,
        column: 1,
    }
}

/// Line `line` of `file`, a path from the project's root (`pg-invariants.toml`, a migration).
pub fn in_project(file: &str, line: usize) -> Location {
    Location {
        path: PathBuf::from(file),
        line,
        column: 1,
    }
}

/// `value`, written at line `line` of `invariants/<file>`.
pub fn fact<T>(value: T, file: &str, line: usize) -> Fact<T> {
    Fact {
        value,
        at: at(file, line),
    }
}

/// `table.column` as a `references` value.
pub fn reference(text: &str) -> Reference {
    Reference::parse(text, "public").expect("a reference")
}

/// A nullable column of type `type_`, neither identity nor generated nor defaulted.
pub fn column(name: &str, type_: &str) -> Column {
    let category = match type_ {
        "text" | "character varying" => 'S',
        "uuid" => 'U',
        _ => 'N',
    };
    Column {
        name: name.into(),
        type_: type_.into(),
        not_null: false,
        not_null_not_valid: None,
        default: None,
        identity: None,
        generated: false,
        generated_virtual: false,
        value: ValueType {
            base: type_.into(),
            base_name: type_.into(),
            category,
            labels: Vec::new(),
            domain_checks: Vec::new(),
            element: None,
        },
    }
}

/// An ordinary table with `columns` (`name`, `type`) and nothing else.
pub fn table(table: &str, columns: &[(&str, &str)]) -> Table {
    let mut t = Table::empty(name(table), TableKind::Ordinary);
    t.columns = columns.iter().map(|(c, ty)| column(c, ty)).collect();
    t
}

/// What a test adds to a hand-built table, one fact at a time.
pub trait Build: Sized {
    /// A validated single-column foreign key `column → target` (`table.column`).
    fn fk(self, column: &str, target: &str, action: OnDelete) -> Self;
    /// The primary key `columns`, and its index.
    fn pk(self, columns: &[&str]) -> Self;
    /// A valid, non-unique, non-partial btree index on `columns`.
    fn index(self, index: &str, columns: &[&str]) -> Self;
}

impl Build for Table {
    fn fk(mut self, column: &str, target: &str, action: OnDelete) -> Self {
        let target = reference(target);
        let name = format!("{}_{column}_fkey", self.name.name);
        let definition = format!(
            "FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {}",
            ident(column),
            target.table.sql(),
            ident(&target.column),
            action.sql()
        );
        self.add_foreign_key(name, column, target.table, &target.column, action);
        if let Some(c) = self.constraints.last_mut() {
            c.definition = definition;
        }
        self
    }

    fn pk(mut self, columns: &[&str]) -> Self {
        let name = format!("{}_pkey", self.name.name);
        self.constraints.push(Constraint {
            name: name.clone(),
            kind: ConstraintKind::PrimaryKey,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            validated: true,
            deferrable: false,
            deferred: false,
            inherited: false,
            definition: format!("PRIMARY KEY ({})", columns.join(", ")),
        });
        let mut index = btree(&self.name, &name, columns);
        (index.unique, index.primary) = (true, true);
        self.indexes.push(index);
        self
    }

    fn index(mut self, index: &str, columns: &[&str]) -> Self {
        self.indexes.push(btree(&self.name, index, columns));
        self
    }
}

fn btree(table: &TableName, index: &str, columns: &[&str]) -> Index {
    Index {
        name: index.into(),
        valid: true,
        unique: false,
        primary: false,
        partial: false,
        key_columns: columns.iter().map(|c| Some(c.to_string())).collect(),
        definition: format!(
            "CREATE INDEX {index} ON {} USING btree ({})",
            table.sql(),
            columns.join(", ")
        ),
    }
}

/// A role with the given attributes, members of nothing.
pub fn role(name: &str, superuser: bool, bypass_rls: bool) -> Role {
    Role {
        name: name.into(),
        superuser,
        bypass_rls,
        ..Role::default()
    }
}

/// The catalog of `tables` (sorted, as the catalog is) and `roles`.
pub fn catalog(mut tables: Vec<Table>, mut roles: Vec<Role>) -> Catalog {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Catalog {
        tables,
        roles,
        ..Catalog::default()
    }
}

/// A project on disk (its spec loaded as `pg-invariants test` loads it), a catalog, and what
/// else a [`Context`] holds.
pub struct Fixture {
    pub spec: Spec,
    pub catalog: Catalog,
    pool: PgPool,
    snapshots: Policy,
    /// The project directory, kept for the spec's paths; removed on drop.
    dir: TempDir,
    /// The server the pool reaches, for the behavioural kinds: stopped on drop.
    server: Option<Postgres>,
}

impl Fixture {
    /// A project with nothing but its migrations directory, and `catalog`.
    pub fn new(catalog: Catalog) -> Self {
        Self::with(catalog, "", &[])
    }

    /// A project whose `pg-invariants.toml` adds `project` (TOML sections) and whose
    /// invariants directory holds `tables` (`file name`, contents), and `catalog`.
    pub fn with(catalog: Catalog, project: &str, tables: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("migrations")).expect("migrations");
        std::fs::create_dir_all(dir.path().join("invariants")).expect("invariants");
        let file = dir.path().join("pg-invariants.toml");
        let text = format!("[migrations]\npath = \"migrations\"\nformat = \"sqlx\"\n{project}");
        std::fs::write(&file, text).expect("the project file");
        for (name, contents) in tables {
            std::fs::write(dir.path().join("invariants").join(name), contents).expect("a file");
        }
        let spec = Spec::load(&file).unwrap_or_else(|e| panic!("a valid project: {e}"));
        let options = PgConnectOptions::new()
            .socket("/nonexistent")
            .database("none");
        let pool = PgPoolOptions::new()
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with(options);
        let snapshots = Policy {
            update: Update::No,
            force_pass: false,
            references: None,
        };
        Self {
            spec,
            catalog,
            pool,
            snapshots,
            dir,
            server: None,
        }
    }

    /// A project with nothing but its migrations directory, on a real PostgreSQL of its own
    /// (the local backend, as a run starts it) with `schema` applied: the catalog is read from
    /// it and the pool reaches it, so a behavioural kind is decided as in a run.
    pub async fn on_server(schema: &'static str) -> Self {
        let cache = Cache::locate(false).expect("an own cache directory");
        let config = DatabaseConfig {
            backend: Backend::Local,
            preset: Preset::None,
            image: String::new(),
            settings: Vec::new(),
        };
        let server = Postgres::start(&Source::new(Backend::Local, config, cache))
            .await
            .expect("a local PostgreSQL");
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(server.options("postgres"))
            .await
            .expect("a connection");
        sqlx::raw_sql(schema)
            .execute(&pool)
            .await
            .expect("the schema");
        let mut conn = pool.acquire().await.expect("a connection");
        let catalog = crate::catalog::load(&mut conn).await.expect("the catalog");
        drop(conn);
        let mut fixture = Self::new(catalog);
        fixture.pool = pool;
        fixture.server = Some(server);
        fixture
    }

    /// A failure as the run prints it, the project's temporary directory shown as `<project>`
    /// so that a snapshot of it is the same on every machine.
    pub fn shown(&self, failure: &Failure) -> String {
        let dir = self.dir.path().display().to_string();
        failure.to_string().replace(&dir, "<project>")
    }

    /// What a check looks at, every case alone (no batch).
    pub fn ctx(&self) -> Context<'_> {
        Context {
            spec: &self.spec,
            catalog: &self.catalog,
            pool: &self.pool,
            snapshots: &self.snapshots,
            batch: None,
        }
    }
}

/// The `[tenancy]` section of a project whose tenants are `organizations.id` and whose requests
/// run as role `app`.
pub const TENANCY: &str = "[tenancy]\ntenants = \"organizations.id\"\nrole = \"app\"\nsettings = { \"app.tenant_id\" = \"{tenant}\" }\n";

/// An error PostgreSQL could have answered: SQLSTATE `code` and `message`, naming nothing.
pub fn db_error(code: &str, message: &str) -> DbError {
    DbError {
        code: code.into(),
        message: message.into(),
        detail: None,
        constraint: None,
        column: None,
        table: None,
    }
}
