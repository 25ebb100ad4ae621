//! Where the local backend's throwaway clusters live: in memory when there is room.
//!
//! A throwaway cluster needs no durability (the server runs with `fsync=off` already), and on
//! many disks it is creating files that costs: copying the cached migrated cluster of a
//! 500-table schema (4,300 files, 70 MB) took 3 s on a virtual disk here and 0.2 s into memory,
//! and initdb and every `CREATE TABLE` of a chain create files too. So a cluster goes to
//! `/dev/shm`, Linux's memory file system, when that has room for it with a margin to spare;
//! otherwise to the temporary directory, as before.
//!
//! The choice, in this order:
//! 1. `PG_INVARIANTS_TMPDIR`, when set: the user's choice, whatever it is.
//! 2. `TMPDIR`, when set: the user chose where temporary files go.
//! 3. `/dev/shm`, when it is a directory we can write with the cluster's size plus
//!    [`MARGIN`] free (a container's default `/dev/shm` of 64 MB never qualifies).
//! 4. The system's temporary directory.

use std::path::{Path, PathBuf};

use crate::env;

/// The memory file system of Linux, mounted by every distribution and container runtime.
const MEMORY: &str = "/dev/shm";

/// Free space `/dev/shm` must keep beyond the cluster's known size: what a chain and its seed
/// may add, and what the server's own shared memory segments (also in `/dev/shm`) need.
pub const MARGIN: u64 = 1 << 30;

/// The directory the clusters of a run go in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scratch {
    pub root: PathBuf,
    /// The root is `/dev/shm`, chosen by us: a full one is worth a word in the error.
    pub in_memory: bool,
}

impl Scratch {
    /// Where a cluster of `size` bytes (0 when unknown: initdb and a chain) goes.
    pub fn choose(size: u64) -> Self {
        let memory = Path::new(MEMORY);
        Self::decide(
            env::scratch_dir(),
            env::tmpdir(),
            free_space(memory).filter(|_| writable(memory)),
            size,
        )
    }

    /// [`Self::choose`], given the environment: `memory_free` is the free space of a writable
    /// `/dev/shm`, `None` without one.
    fn decide(
        scratch: Option<PathBuf>,
        tmpdir: Option<PathBuf>,
        memory_free: Option<u64>,
        size: u64,
    ) -> Self {
        let chosen = |root: PathBuf| Self {
            root,
            in_memory: false,
        };
        if let Some(root) = scratch.or(tmpdir) {
            return chosen(root);
        }
        match memory_free {
            Some(free) if free >= size.saturating_add(MARGIN) => Self {
                root: PathBuf::from(MEMORY),
                in_memory: true,
            },
            _ => chosen(std::env::temp_dir()),
        }
    }

    /// Every directory a run may have put clusters in, for removing those of dead runs.
    pub fn roots() -> Vec<PathBuf> {
        let mut roots = vec![std::env::temp_dir(), PathBuf::from(MEMORY)];
        if let Some(dir) = env::scratch_dir().filter(|d| !roots.contains(d)) {
            roots.push(dir);
        }
        roots
    }

    /// What to tell a user whose chain ran out of space in memory.
    pub fn remedy(&self) -> Option<String> {
        self.in_memory.then(|| {
            format!(
                "to make room: the throwaway cluster lives in memory ({}), which is full; PG_INVARIANTS_TMPDIR=/var/tmp puts it on disk",
                self.root.display()
            )
        })
    }
}

/// Free bytes of the file system of `dir`, for an unprivileged writer; `None` if it cannot be
/// read (no such directory).
fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs(3) writes into the zeroed struct we own; the path is NUL-terminated.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

fn writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access(2) on a NUL-terminated path.
    dir.is_dir() && unsafe { libc::access(path.as_ptr(), libc::W_OK) } == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn memory_is_chosen_only_with_room_for_the_cluster_and_the_margin() {
        let decide = |free, size| Scratch::decide(None, None, free, size);
        assert_eq!(decide(Some(2 * GIB), 0).root, PathBuf::from(MEMORY));
        assert!(decide(Some(2 * GIB), 0).in_memory);
        assert_eq!(decide(Some(GIB), 0).root, PathBuf::from(MEMORY));
        // A cluster of 70 MB does not fit in a margin of exactly a GiB.
        assert_eq!(decide(Some(GIB), 70 << 20).root, std::env::temp_dir());
        // Docker's default /dev/shm.
        assert_eq!(decide(Some(64 << 20), 0).root, std::env::temp_dir());
        assert!(!decide(Some(64 << 20), 0).in_memory);
        assert_eq!(decide(None, 0).root, std::env::temp_dir());
    }

    #[test]
    fn the_users_directories_win_over_memory() {
        let mine = PathBuf::from("/var/tmp/mine");
        let tmp = PathBuf::from("/scratch");
        let free = Some(100 * GIB);
        let chosen = Scratch::decide(Some(mine.clone()), Some(tmp.clone()), free, 0);
        assert_eq!(chosen.root, mine);
        assert!(!chosen.in_memory);
        assert_eq!(Scratch::decide(None, Some(tmp.clone()), free, 0).root, tmp);
        assert_eq!(chosen.remedy(), None);
    }

    #[test]
    fn a_full_memory_says_how_to_go_to_disk() {
        let chosen = Scratch::decide(None, None, Some(2 * GIB), 0);
        let remedy = chosen.remedy().expect("in memory");
        assert!(remedy.contains("PG_INVARIANTS_TMPDIR"), "{remedy}");
    }
}
