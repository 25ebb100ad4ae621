//! The key of a chain's migrated cluster in the cache: a hash of every input that can change
//! the cluster, or why no key can cover them. What the chain is decides it, so it lives with
//! the chain; the set-up and deploy windows (`upgrade`, whose deployed cluster has a key of its
//! own built on this one) both ask for it.

use std::path::Path;

use super::Chain;
use super::migration::Migration;
use super::outside::{self, Reads};
use crate::location::{self, Location};
use crate::provision::Key;
use crate::spec::Spec;

/// The key of the migrated cluster: a hash of every input that can change it (see
/// [`crate::provision::Key`], which adds the harness's version): the server, the whole
/// `[database]` table (settings, and any key added to it later), the format and time limits,
/// every file of `before`, the chain and the seed, in order, with the bytes that run and how
/// they run, and the content of every file they `COPY ... FROM`. An error for a `command` chain
/// and for a chain that reads what no key can cover (see [`NotCached`]).
pub fn migrated_key(spec: &Spec, chain: &Chain, server: &str) -> Result<String, NotCached> {
    if chain.command.is_some() {
        return Err(NotCached::Command);
    }
    let mut key = Key::new("migrated");
    key.part("server", server)
        .part("database", format!("{:?}", spec.project.database))
        .part("chain format", chain.format.name())
        .part("limits", format!("{:?}", chain.limits))
        .part("placeholders", format!("{:?}", chain.placeholders))
        .part("session settings", format!("{:?}", chain.session_settings));
    let files = [
        ("before", &chain.before),
        ("migration", &chain.migrations),
        ("seed", &chain.seed),
    ];
    for (role, list) in files {
        for m in list.iter() {
            let path = m.path.strip_prefix(&spec.project.dir).unwrap_or(&m.path);
            key.part(role, path.to_string_lossy().as_bytes())
                .part("version", &m.version)
                .part("description", &m.description)
                .part("checksum", m.checksum.as_bytes())
                .part(
                    "how",
                    format!("{:?} {} {:?}", m.body, m.transaction, m.verbatim),
                );
            outside_parts(&mut key, m)?;
        }
    }
    if let Some(psql) = &chain.psql {
        // What the scripts include, and how psql runs them; nothing cached when unknowable.
        key.part("psql", psql.key().ok_or(NotCached::Psql)?);
    }
    Ok(key.finish())
}

/// Why a chain's migrated cluster is never cached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotCached {
    #[error(
        "a `command` chain is never cached: what the tool reads is not known, so no key covers it"
    )]
    Command,
    #[error(
        "a sqitch script reads what cannot be known before it runs (a backquoted command, `\\!`, `\\copy`, or a variable in an include path), so no key covers it"
    )]
    Psql,
    /// `location` reads `what` from outside the project, which no key can cover (`why`).
    #[error("{location} reads {what}{why}")]
    ReadsOutside {
        location: Location,
        what: Reads,
        why: &'static str,
    },
}

/// Hashes into `key` the content of each file `m` copies from, or says why it cannot: a
/// program, a server-side file function, a relative path (the server reads it from its data
/// directory), a file that is not a readable regular one.
fn outside_parts(key: &mut Key, m: &Migration) -> Result<(), NotCached> {
    for read in outside::reads(m) {
        let never = |why| NotCached::ReadsOutside {
            location: Location::at(&location::relative(&m.path), &m.text, read.offset),
            what: read.what.clone(),
            why,
        };
        let path = match &read.what {
            Reads::File(Some(path)) if path.is_absolute() => path,
            Reads::File(Some(_)) => {
                return Err(never(", a path relative to the server's data directory"));
            }
            _ => return Err(never("")),
        };
        let digest = content_digest(path).ok_or_else(|| never(", not a readable regular file"))?;
        key.part("outside file", path.as_os_str().as_encoded_bytes())
            .part("content", digest);
    }
    Ok(())
}

/// SHA-256 of the content of `path`, when it is a regular file we can read.
fn content_digest(path: &Path) -> Option<Vec<u8>> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut hash = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hash).ok()?;
    Some(hash.finalize().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Down parts never run while the cluster is built: editing one keeps the cluster, and
    /// its key.
    #[test]
    fn the_migrated_key_leaves_the_down_parts_out() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pg-invariants.toml");
        std::fs::write(
            &file,
            "[migrations]\npath = \"migrations\"\nformat = \"golang-migrate\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("invariants")).unwrap();
        let migrations = dir.path().join("migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        std::fs::write(migrations.join("1_a.up.sql"), "CREATE TABLE a ();").unwrap();
        let key = |down: Option<&str>| {
            if let Some(text) = down {
                std::fs::write(migrations.join("1_a.down.sql"), text).unwrap();
            }
            let spec = Spec::load(&file).unwrap();
            let chain = Chain::discover(&spec.project).unwrap();
            let downs = chain.migrations[0].down.as_deref().map(|d| d.text.clone());
            assert_eq!(downs.as_deref(), down);
            migrated_key(&spec, &chain, "17").unwrap()
        };
        let without = key(None);
        assert_eq!(key(Some("DROP TABLE a;")), without);
        assert_eq!(key(Some("SELECT 1;")), without);
    }
}
