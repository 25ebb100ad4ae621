//! The account a local server runs as when the harness is root. PostgreSQL refuses to run as
//! root, and project SQL runs inside the server: `COPY ... PROGRAM` and
//! `pg_execute_server_program` execute as the server's account. That account must therefore own
//! nothing but the run's own directory: never the distribution's `postgres` (which owns the
//! machine's real clusters) nor `nobody` (which owns what NFS squashes). We use a system account
//! of our own, [`NAME`], created on first use (no home, no login shell).

use std::process::{Command, Stdio};

use super::ProvisionError;

/// The dedicated account's name.
pub const NAME: &str = "pg-invariants";
/// Accounts that own something on most machines: the server never runs as them.
const REFUSED: [&str; 3] = ["root", "postgres", "nobody"];
/// The uid of `postgres` in the official PostgreSQL images and in ours (`ci/postgres-image`):
/// a container's server runs as it, so an account with it could reach into a container of
/// another run (`/proc/<pid>/root`).
const CONTAINER_UID: u32 = 999;
/// Where a uid for the account is looked for, downwards: the system range, below the
/// containers' uid.
const UIDS: std::ops::RangeInclusive<u32> = 100..=998;

/// The account a local server runs as: `None` when we are not root (the server runs as us).
#[derive(Debug, Clone, Copy)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
}

impl RunAs {
    /// When we are root, the dedicated account, created if there is none yet.
    pub fn for_current_user() -> Result<Option<Self>, ProvisionError> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(None);
        }
        if let Some(account) = lookup(NAME) {
            return checked(account).map(Some);
        }
        create()?;
        // Another process may have created it meanwhile: either way it exists now.
        let account = lookup(NAME).ok_or_else(|| unprivileged_error("useradd left no account"))?;
        checked(account).map(Some)
    }
}

/// What a cache key records of the account: a cluster's files belong to it, and a copy owned by
/// another account (say one created again since, with another uid) cannot be started by this
/// one. As root the account is created here if need be, so that the first run's key is the
/// next one's.
pub fn identity() -> String {
    match RunAs::for_current_user() {
        Ok(Some(account)) => format!("{NAME} uid {}", account.uid),
        Ok(None) => {
            // SAFETY: geteuid has no preconditions.
            format!("uid {}", unsafe { libc::geteuid() })
        }
        Err(_) => format!("{NAME}, unusable"),
    }
}

/// The account is ours only if it shares its uid with none of the refused ones (an alias of
/// `postgres` under another name would own the real clusters).
fn checked(account: RunAs) -> Result<RunAs, ProvisionError> {
    let shared = REFUSED
        .iter()
        .find(|name| lookup(name).is_some_and(|other| other.uid == account.uid));
    if account.uid == 0 || account.gid == 0 {
        return Err(unprivileged_error("it has uid or gid 0"));
    }
    if account.uid == CONTAINER_UID {
        return Err(unprivileged_error(
            "it has uid 999, the uid PostgreSQL's containers run as",
        ));
    }
    match shared {
        Some(name) => Err(unprivileged_error(&format!(
            "it has the uid of the `{name}` account, which owns other files"
        ))),
        None => Ok(account),
    }
}

/// `useradd --system`: no home directory, no login shell, a group of its own. A concurrent
/// run creating it first makes ours fail: that is fine, the caller looks it up again.
fn create() -> Result<(), ProvisionError> {
    let uid = UIDS
        .rev()
        .find(|uid| uid_free(*uid))
        .ok_or_else(|| unprivileged_error("no free uid from 998 down to 100"))?;
    let status = Command::new("useradd")
        .args(["--uid", &uid.to_string()])
        .args([
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            "pg-invariants throwaway servers",
            NAME,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| unprivileged_error(&format!("useradd could not run: {e}")))?;
    if status.status.success() || lookup(NAME).is_some() {
        return Ok(());
    }
    Err(unprivileged_error(&format!(
        "useradd {}: {}",
        status.status,
        String::from_utf8_lossy(&status.stderr).trim()
    )))
}

fn unprivileged_error(reason: &str) -> ProvisionError {
    ProvisionError::NoUnprivilegedUser {
        account: NAME,
        reason: reason.to_string(),
    }
}

/// No account and no group has the number `id`.
fn uid_free(id: u32) -> bool {
    // SAFETY: getpwuid and getgrgid have no preconditions; only null-ness is read.
    unsafe { libc::getpwuid(id).is_null() && libc::getgrgid(id).is_null() }
}

/// The uid and gid of the account `name`, if it exists.
fn lookup(name: &str) -> Option<RunAs> {
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam with a valid C string; the two numbers are copied out at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return None;
    }
    // SAFETY: pw is non-null and points at a valid passwd record.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Some(RunAs { uid, gid })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_of_a_root_run_is_never_one_that_owns_other_files() {
        let Some(account) = RunAs::for_current_user().expect("an account") else {
            return; // not root: the server runs as us
        };
        for name in REFUSED {
            assert!(lookup(name).is_none_or(|other| other.uid != account.uid));
        }
        assert_ne!(account.uid, CONTAINER_UID);
        assert_eq!(lookup(NAME).map(|a| a.uid), Some(account.uid));
    }
}
