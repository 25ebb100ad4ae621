//! pgTAP on the tenant schema, run the way its users run it, so that pg-invariants is measured
//! against it on the same promises: a fresh cluster (`initdb` + start on a Unix socket in a
//! temporary directory), one `psql` applying the chain in order and `CREATE EXTENSION pgtap`,
//! then `pg_prove` of one test file with 6 assertions per table, then the server stopped and the
//! directory removed. The whole wall time is pgTAP's cold run; nothing is cached between runs.
//!
//! The cluster gets the harness's own initdb options (`--no-sync`, UTF8, C locale, 1 MB WAL
//! segments) except authentication (`trust`, as a developer's throwaway cluster has), and the
//! server its throwaway settings (`fsync`, `full_page_writes` and `synchronous_commit` off), so
//! that the difference measured is the tools', not the settings'. PostgreSQL refuses to run as root:
//! when we are root, initdb and the server run as `postgres` (else `nobody`), as the local
//! backend does; `psql` and `pg_prove` connect through the socket as the `postgres` superuser.
//!
//! Needs the `pgtap` extension and `pg_prove` (`ci/install-pgtap` installs both on Debian).

use std::os::unix::fs::chown;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One pgTAP run: the whole wall time and its phases.
pub struct Run {
    pub total: Duration,
    /// initdb and the server ready to accept connections.
    pub server: f64,
    /// The one `psql`: the chain and `CREATE EXTENSION pgtap`.
    pub apply: f64,
    /// `pg_prove` of the test file.
    pub prove: f64,
    /// Stopping the server and removing its directory.
    pub stop: f64,
}

/// Where pgTAP runs: the server binaries of a PostgreSQL that has the extension, `pg_prove`,
/// and the user the server runs as.
pub struct Tools {
    bindir: PathBuf,
    pg_prove: PathBuf,
    run_as: Option<(u32, u32)>,
}

impl Tools {
    /// The newest Debian-layout PostgreSQL whose share directory has `pgtap.control`, and
    /// `pg_prove` on PATH; why not, when either is missing.
    pub fn find() -> Result<Self, String> {
        let missing = "run ci/install-pgtap (Debian: postgresql-15-pgtap, libtap-parser-sourcehandler-pgtap-perl)";
        let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|_| format!("no /usr/lib/postgresql; {missing}"))?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .filter(|v| {
                Path::new(&format!(
                    "/usr/share/postgresql/{v}/extension/pgtap.control"
                ))
                .is_file()
            })
            .collect();
        versions.sort_unstable();
        let version = versions
            .pop()
            .ok_or_else(|| format!("no pgTAP extension; {missing}"))?;
        let pg_prove = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|d| d.join("pg_prove"))
            .find(|p| p.is_file())
            .ok_or_else(|| format!("no pg_prove on PATH; {missing}"))?;
        Ok(Self {
            bindir: PathBuf::from(format!("/usr/lib/postgresql/{version}/bin")),
            pg_prove,
            run_as: server_user()?,
        })
    }

    /// One cold pgTAP run of the project in `dir` (its `migrations/*.sql` in name order), with
    /// the test file `tests` expecting `assertions` passing assertions.
    pub fn run(&self, dir: &Path, tests: &Path, assertions: usize) -> Run {
        let started = Instant::now();
        let scratch = tempfile::tempdir().expect("tempdir");
        let socket = scratch.path();
        let data = socket.join("data");
        if let Some((uid, gid)) = self.run_as {
            chown(socket, Some(uid), Some(gid)).expect("chown the server directory");
        }
        let server = self.start(socket, &data);
        let ready = started.elapsed();

        let mut psql = Command::new(self.bindir.join("psql"));
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            .args(connection(socket));
        for migration in chain(dir) {
            psql.arg("-f").arg(migration);
        }
        psql.args(["-c", "CREATE EXTENSION pgtap"]);
        finish(&mut psql, "psql (chain + CREATE EXTENSION pgtap)");
        let applied = started.elapsed();

        let out = Command::new(&self.pg_prove)
            .args(connection(socket))
            .arg(tests)
            .output()
            .expect("pg_prove runs");
        let proved = started.elapsed();
        let report = String::from_utf8_lossy(&out.stdout);
        let expected = format!("Tests={assertions},");
        assert!(
            out.status.success() && report.contains("Result: PASS") && report.contains(&expected),
            "pg_prove did not pass {assertions} assertions:\n{report}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );

        stop(server);
        drop(scratch);
        let total = started.elapsed();
        Run {
            total,
            server: ready.as_secs_f64(),
            apply: (applied - ready).as_secs_f64(),
            prove: (proved - applied).as_secs_f64(),
            stop: (total - proved).as_secs_f64(),
        }
    }

    /// initdb, then the postmaster on a socket in `socket` only, returned once its
    /// `postmaster.pid` says it is ready (what `pg_ctl -w` waits for, polled more often).
    fn start(&self, socket: &Path, data: &Path) -> Child {
        let mut initdb = Command::new(self.bindir.join("initdb"));
        initdb
            .arg("-D")
            .arg(data)
            .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
            .args(["--locale=C", "--wal-segsize=1"]);
        finish(self.as_server_user(&mut initdb), "initdb");
        // A file, not a pipe: every throws_ok logs an ERROR, which would fill a pipe nobody reads.
        let log_path = socket.join("server.log");
        let log = std::fs::File::create(&log_path).expect("server log");
        let mut postgres = Command::new(self.bindir.join("postgres"));
        postgres
            .arg("-D")
            .arg(data)
            .arg("-k")
            .arg(socket)
            .args([
                "-c",
                "listen_addresses=",
                "-c",
                "unix_socket_permissions=0700",
            ])
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .args(["-c", "synchronous_commit=off"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("server log"))
            .stderr(log);
        let mut server = self
            .as_server_user(&mut postgres)
            .spawn()
            .expect("postgres starts");
        let pid_file = data.join("postmaster.pid");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = std::fs::read_to_string(&pid_file).unwrap_or_default();
            // Line 8 of postmaster.pid is the postmaster's status.
            if status.lines().nth(7).is_some_and(|s| s.trim() == "ready") {
                return server;
            }
            if Instant::now() > deadline || server.try_wait().ok().flatten().is_some() {
                let _ = server.kill();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("postgres did not become ready:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn as_server_user<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        match self.run_as {
            Some((uid, gid)) => cmd.uid(uid).gid(gid),
            None => cmd,
        }
    }
}

/// The pgTAP test file for the tenant schema's `tables` tables `t<i>`: per table the promises
/// pg-invariants' rule states, one assertion each, in the test's own transaction (rolled back):
/// the FK to `organizations.id`, NOT NULL, an index on `org_id`, an INSERT naming a missing
/// organization fails with 23503, an INSERT with a NULL `org_id` fails with 23502, and a row goes
/// with its organization (inserted, organization deleted, row gone).
pub fn test_file(tables: usize) -> String {
    let mut sql = format!("BEGIN;\nSELECT plan({});\n", assertions(tables));
    for t in 0..tables {
        sql.push_str(&format!(
            "SELECT fk_ok('t{t}', 'org_id', 'organizations', 'id');\n\
             SELECT col_not_null('t{t}', 'org_id');\n\
             SELECT is_indexed('t{t}', ARRAY['org_id']::name[], 't{t}.org_id is indexed');\n\
             SELECT throws_ok($$INSERT INTO t{t} (org_id, title) VALUES (-1, 'x')$$, '23503', NULL, 't{t} rejects a missing organization');\n\
             SELECT throws_ok($$INSERT INTO t{t} (org_id, title) VALUES (NULL, 'x')$$, '23502', NULL, 't{t} rejects a NULL org_id');\n\
             INSERT INTO organizations (name) VALUES ('cascade t{t}');\n\
             INSERT INTO t{t} (org_id, title) SELECT id, 'cascade t{t}' FROM organizations WHERE name = 'cascade t{t}';\n\
             DELETE FROM organizations WHERE name = 'cascade t{t}';\n\
             SELECT is_empty($$SELECT 1 FROM t{t} WHERE title = 'cascade t{t}'$$, 't{t} rows go with their organization');\n"
        ));
    }
    sql.push_str("SELECT * FROM finish();\nROLLBACK;\n");
    sql
}

/// How many assertions [`test_file`] makes.
pub fn assertions(tables: usize) -> usize {
    6 * tables
}

/// The chain as a user applies it: `migrations/*.sql` in name order.
fn chain(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("migrations"))
        .expect("migrations directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
}

fn connection(socket: &Path) -> Vec<String> {
    [
        "-h",
        &socket.display().to_string(),
        "-U",
        "postgres",
        "-d",
        "postgres",
    ]
    .map(String::from)
    .to_vec()
}

/// Runs `cmd` to its end; panics with its output when it fails.
fn finish(cmd: &mut Command, what: &str) {
    let out = cmd.stdin(Stdio::null()).output().expect(what);
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fast shutdown (SIGINT), as `pg_ctl stop -m fast`, and waits for the postmaster to exit.
fn stop(mut server: Child) {
    let pid = libc::pid_t::try_from(server.id()).expect("pid");
    // SAFETY: kill has no memory preconditions; the pid is our own child, not yet reaped.
    unsafe { libc::kill(pid, libc::SIGINT) };
    server.wait().expect("postgres stops");
}

/// `(uid, gid)` of `postgres`, else `nobody`, from /etc/passwd when we are root; `None`
/// otherwise.
fn server_user() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("/etc/passwd: {e}"))?;
    ["postgres", "nobody"]
        .iter()
        .find_map(|name| {
            passwd.lines().find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                (fields.first() == Some(name))
                    .then(|| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))
                    .flatten()
            })
        })
        .map(Some)
        .ok_or_else(|| "running as root, and neither `postgres` nor `nobody` in /etc/passwd".into())
}
