//! Running a script with the real `psql`, as sqitch runs each deploy script: `psql -f` in a
//! session of its own, so nothing a script sets (`SET search_path`, a temporary table) reaches
//! the next, and psql itself honours its meta-commands (`\set`, `\i`, `\ir`, `\if`, `:var`,
//! backquoted shell commands) exactly as in production.
//!
//! The options are sqitch's (`--quiet --no-psqlrc --no-align --tuples-only`, `ON_ERROR_STOP=1`,
//! the variables of `sqitch.conf` and `registry`), plus `VERBOSITY=verbose` so that an error
//! carries its SQLSTATE; psql runs in the directory sqitch runs in (the one holding
//! `sqitch.conf`). The connection is the ephemeral database's (`DATABASE_URL`), the time limits
//! come through `PGOPTIONS` and bound the process as for a `command` chain. psql's error report
//! (`psql:FILE:LINE: ERROR: ...`) is read back into the script's file, line and column
//! ([`report`]).

mod reads;
mod report;

use std::path::{Path, PathBuf};

use super::apply::ApplyError;
use super::command::{run_bounded, tail};
use super::format::SqitchLayout;
use super::limits::Limits;
use super::migration::Migration;

pub use reads::Reads;

/// How the scripts of a chain run through psql.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Psql {
    /// The psql binary.
    pub program: PathBuf,
    /// psql's working directory (`\i` and backquoted commands are relative to it).
    pub dir: PathBuf,
    /// `--set name=value`, in order.
    pub variables: Vec<(String, String)>,
    /// The files the scripts include, for the cache key.
    pub reads: Reads,
}

/// No psql to run the scripts with.
#[derive(Debug, thiserror::Error)]
#[error(
    "sqitch runs every deploy script with psql, and no psql was found (looked in the server's \
     binaries: PG_INVARIANTS_PG_BINDIR, `pg_config --bindir`, /usr/lib/postgresql/<newest>/bin, \
     then PATH); install the PostgreSQL client (apt-get install postgresql-client) or set \
     PG_INVARIANTS_PG_BINDIR"
)]
pub struct NoPsql;

impl Psql {
    /// psql for the sqitch project laid out as `layout`, whose deploy scripts are `scripts`.
    pub fn for_sqitch(layout: &SqitchLayout, scripts: &[Migration]) -> Result<Self, NoPsql> {
        Ok(Self {
            program: find().ok_or(NoPsql)?,
            dir: layout.run_dir.clone(),
            variables: layout.variables.clone(),
            reads: Reads::of(&layout.run_dir, scripts),
        })
    }

    /// Runs `script` in a session of its own on the database `client_env` points at.
    pub async fn run(
        &self,
        script: &Migration,
        client_env: &[(String, String)],
        limits: &Limits,
    ) -> Result<(), ApplyError> {
        let file = std::path::absolute(&script.path).unwrap_or_else(|_| script.path.clone());
        let args = self.args(&file, client_env);
        let shown = format!("{} -f {}", self.program.display(), script.path.display());
        let exited = run_bounded(&self.program, &args, &self.dir, client_env, limits)
            .await
            .map_err(|status| ApplyError::Command {
                command: shown.clone(),
                status,
                output: String::new(),
            })?;
        if exited.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&exited.stderr);
        Err(
            report::error(&stderr, &self.dir, script, &file).unwrap_or_else(|| {
                ApplyError::Command {
                    command: shown,
                    status: format!("failed ({})", exited.status),
                    output: tail(&[exited.stdout, exited.stderr].concat()),
                }
            }),
        )
    }

    /// Everything of the psql runs that can change the database, for the cache key (the
    /// scripts themselves aside: they are the chain's migrations); `None` when the scripts
    /// read what no key can cover (see [`Reads`]).
    pub fn key(&self) -> Option<String> {
        let Reads::Files(files) = &self.reads else {
            return None;
        };
        let mut key = format!(
            "{} in {} {:?}",
            self.program.display(),
            self.dir.display(),
            self.variables
        );
        for (path, text) in files {
            key.push_str(&format!("\n{}\n{text}", path.display()));
        }
        Some(key)
    }

    /// The files the scripts include (none known when [`Reads::Unknown`]).
    pub fn included(&self) -> Vec<&Path> {
        match &self.reads {
            Reads::Files(files) => files.iter().map(|(path, _)| path.as_path()).collect(),
            Reads::Unknown(_) => Vec::new(),
        }
    }

    fn args(&self, file: &Path, client_env: &[(String, String)]) -> Vec<String> {
        let mut args: Vec<String> = ["--quiet", "--no-psqlrc", "--no-align", "--tuples-only"]
            .map(String::from)
            .to_vec();
        if let Some((_, url)) = client_env.iter().find(|(k, _)| k == "DATABASE_URL") {
            args.extend(["--dbname".to_string(), url.clone()]);
        }
        let sets = self.variables.iter().map(|(k, v)| format!("{k}={v}"));
        let ours = ["ON_ERROR_STOP=1", "VERBOSITY=verbose"].map(String::from);
        for set in sets.chain(ours) {
            args.extend(["--set".to_string(), set]);
        }
        args.extend(["--file".to_string(), file.display().to_string()]);
        args
    }
}

/// The server's own psql (beside `initdb`), else the first on PATH.
fn find() -> Option<PathBuf> {
    let beside_server = crate::provision::find_bindir().map(|dir| dir.join("psql"));
    let on_path = crate::env::path()
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("psql"));
    beside_server
        .into_iter()
        .chain(on_path)
        .find(|p| p.is_file())
}
