//! Which run owns a leftover: every temporary directory and database we create carries the pid
//! of the process that made it and that process's start time, so that a later run can tell a
//! leftover of a dead run (SIGKILL leaves them: no code runs) from the work of a live one, even
//! once the pid has been reused.

use std::sync::OnceLock;

/// A process, identified across pid reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    /// Clock ticks since boot at which the process started (`/proc/<pid>/stat`, field 22).
    pub start: u64,
}

impl Owner {
    /// This process.
    pub fn current() -> Self {
        static CURRENT: OnceLock<Owner> = OnceLock::new();
        *CURRENT.get_or_init(|| {
            let pid = std::process::id();
            Self {
                pid,
                start: start_time(pid).unwrap_or(0),
            }
        })
    }

    /// The process `pid`, if it runs.
    pub fn of(pid: u32) -> Option<Self> {
        Some(Self {
            pid,
            start: start_time(pid)?,
        })
    }

    /// True while the process that made the leftover still runs. A pid that now names another
    /// process (another start time) means the owner is gone.
    pub fn is_alive(&self) -> bool {
        start_time(self.pid) == Some(self.start)
    }

    /// True while the process is stopped (SIGSTOP, SIGTSTP, a debugger): it runs, but answers
    /// nobody until it is continued.
    pub fn is_stopped(&self) -> bool {
        self.is_alive() && stat_field(self.pid, 0).is_some_and(|state| state == "T" || state == "t")
    }

    /// `<pid>_<start>`, the part of a name that says who made it.
    pub fn tag(&self) -> String {
        format!("{}_{}", self.pid, self.start)
    }

    /// Reads back a [`tag`](Self::tag): `<pid>_<start>`.
    pub fn parse_tag(tag: &str) -> Option<Self> {
        let (pid, start) = tag.split_once('_')?;
        Some(Self {
            pid: pid.parse().ok()?,
            start: start.parse().ok()?,
        })
    }
}

/// Field 22 of `/proc/<pid>/stat`.
fn start_time(pid: u32) -> Option<u64> {
    stat_field(pid, 19)?.parse().ok()
}

/// The `n`th field of `/proc/<pid>/stat` after the command (which may hold spaces and
/// parentheses, so fields are counted from its closing parenthesis): 0 is field 3 (state).
fn stat_field(pid: u32, n: usize) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_command = &stat[stat.rfind(')')? + 1..];
    after_command.split_whitespace().nth(n).map(str::to_string)
}

/// This machine's name as a short tag usable in a database name: up to 12 characters of the
/// host name (letters, digits) and 6 hex digits of a hash of all of it, so that two hosts
/// sharing a prefix still differ. Runs on other hosts sharing a server never reap our
/// databases, nor we theirs.
pub fn host_tag() -> String {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        let readable: String = host
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .take(12)
            .collect();
        format!("{readable}{:06x}", fnv1a(host.as_bytes()) & 0xff_ffff)
    })
    .clone()
}

/// FNV-1a: a stable hash (std's hasher is randomly seeded per process).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// 16 random bytes from the kernel, as hex: a password nobody can guess.
pub fn random_secret() -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_its_tag_reads_back() {
        let me = Owner::current();
        assert!(me.start > 0);
        assert!(me.is_alive());
        assert_eq!(Owner::parse_tag(&me.tag()), Some(me));
    }

    #[test]
    fn another_start_time_is_another_process() {
        let me = Owner::current();
        let reused = Owner {
            start: me.start + 1,
            ..me
        };
        assert!(!reused.is_alive());
    }

    #[test]
    fn the_host_tag_is_short_and_safe_in_an_identifier() {
        let tag = host_tag();
        assert!(tag.len() <= 18 && tag.len() >= 6, "{tag}");
        assert!(tag.chars().all(|c| c.is_ascii_alphanumeric()), "{tag}");
    }

    #[test]
    fn a_stopped_process_is_stopped_until_continued() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep");
        let owner = Owner::of(child.id()).expect("runs");
        let signal = |sig| {
            // SAFETY: kill(2) on our own child.
            unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        };
        let within = |want: bool| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while owner.is_stopped() != want && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            owner.is_stopped() == want
        };
        assert!(within(false));
        signal(libc::SIGSTOP);
        assert!(within(true), "stopped");
        signal(libc::SIGCONT);
        assert!(within(false), "continued");
        child.kill().expect("kill");
        child.wait().expect("reaped");
    }

    #[test]
    fn secrets_differ() {
        let a = random_secret().expect("urandom");
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_secret().expect("urandom"));
    }
}
