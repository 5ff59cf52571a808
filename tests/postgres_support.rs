//! A throwaway PostgreSQL cluster for the tests: `initdb` and `pg_ctl`
//! from the machine's PostgreSQL server package, listening on 127.0.0.1
//! only, with its data, socket and log in a temporary folder.
//!
//! PostgreSQL refuses to run as root, and CI runs the tests as root: then
//! the cluster runs as the `postgres` user (which Debian's package makes),
//! or `nobody`, through `runuser`, and the folder is theirs.
//!
//! Each cluster has a watchdog: a shell that waits for its standard input
//! to close, then stops the cluster (`pg_ctl stop -m immediate`) and
//! removes the folder. Its input is a pipe only this process writes to, so
//! it closes when the cluster is dropped or when the test process ends,
//! however it ends: the cluster [`shared`] by the tests of a run is never
//! dropped, and goes with the process.
//!
//! Without the server binaries the tests say `SKIPPED` on stderr and pass,
//! unless `RULING_REQUIRE_POSTGRES=1` is set (`.ci/run` sets it), which
//! makes them fail.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The cluster's superuser, who connects without a password over loopback.
const SUPERUSER: &str = "ruling";

/// Starts of the server tried, each on another free port, before giving up.
const START_ATTEMPTS: usize = 3;

/// How long `pg_ctl` waits for the server to start or stop.
const PG_CTL_WAIT: Duration = Duration::from_secs(120);

/// A running PostgreSQL cluster.
pub struct Cluster {
    bin: PathBuf,
    folder: PathBuf,
    port: u16,
    /// The user the cluster runs as, when this process is root.
    user: Option<String>,
    /// The watchdog and the pipe whose closing tells it to clean up.
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
}

static SHARED: OnceLock<Option<Cluster>> = OnceLock::new();

/// The cluster shared by the tests of this run, started by the first that
/// asks; `None` after saying `SKIPPED` for `test` when PostgreSQL is not
/// installed.
pub fn shared(test: &str) -> Option<&'static Cluster> {
    let cluster = SHARED.get_or_init(|| binaries().map(Cluster::start));
    if cluster.is_none() {
        skip(test);
    }
    cluster.as_ref()
}

/// A cluster of the test's own, for tests that stop and start the server;
/// `None` after saying `SKIPPED` when PostgreSQL is not installed.
pub fn private(test: &str) -> Option<Cluster> {
    let cluster = binaries().map(Cluster::start);
    if cluster.is_none() {
        skip(test);
    }
    cluster
}

/// A new, empty database for `test` in the shared cluster, and its URL.
pub fn database(test: &str) -> Option<String> {
    shared(test).map(|cluster| cluster.create_database(test))
}

/// The URL of `test`'s database in the shared cluster through its Unix
/// socket, once [`database`] has created it.
pub fn socket_url(test: &str) -> Option<String> {
    shared(test).map(|cluster| cluster.socket_url(test))
}

fn skip(test: &str) {
    assert!(
        std::env::var("RULING_REQUIRE_POSTGRES").as_deref() != Ok("1"),
        "the PostgreSQL tests need the PostgreSQL server binaries (initdb, pg_ctl) under \
         /usr/lib/postgresql/VERSION/bin or on PATH: install the `postgresql` package \
         (.ci/run does)"
    );
    // Straight to stderr, which the test harness does not capture.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nSKIPPED postgres_records::{test}: no PostgreSQL server binaries (initdb, pg_ctl) \
         under /usr/lib/postgresql/VERSION/bin or on PATH; install the `postgresql` package, \
         or set RULING_REQUIRE_POSTGRES=1 to make this a failure\n"
    );
}

/// The folder holding `initdb` and `pg_ctl`: Debian's newest
/// `/usr/lib/postgresql/VERSION/bin`, else a folder on `PATH`.
fn binaries() -> Option<PathBuf> {
    let has_both =
        |folder: &Path| folder.join("initdb").is_file() && folder.join("pg_ctl").is_file();
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_both(bin))
        .collect();
    debian.sort();
    debian.pop().map(|(_, bin)| bin).or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path).find(|folder| has_both(folder))
    })
}

/// What `id ARGS` prints, trimmed.
fn id(args: &[&str]) -> Option<String> {
    let output = Command::new("id").args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// A port on 127.0.0.1 that nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn check(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Cluster {
    fn start(bin: PathBuf) -> Cluster {
        let user = (id(&["-u"]).as_deref() == Some("0")).then(|| {
            ["postgres", "nobody"]
                .into_iter()
                .find(|name| id(&["-u", name]).is_some())
                .expect("a user other than root to run PostgreSQL as")
                .to_owned()
        });
        let folder = tempfile::Builder::new()
            .prefix("ruling-postgres-")
            .tempdir()
            .unwrap()
            .keep();
        if let Some(user) = &user {
            let uid = id(&["-u", user]).unwrap().parse().unwrap();
            let gid = id(&["-g", user]).unwrap().parse().unwrap();
            std::os::unix::fs::chown(&folder, Some(uid), Some(gid)).unwrap();
        }
        let mut cluster = Cluster {
            bin,
            folder,
            port: 0,
            user,
            watchdog: Mutex::new(None),
        };
        cluster.start_watchdog();
        let initdb = cluster
            .command("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args(["-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8"])
            .arg("--no-locale")
            .output()
            .unwrap();
        check("initdb", &initdb);
        for attempt in 1..=START_ATTEMPTS {
            cluster.port = free_port();
            cluster.configure();
            let started = cluster.pg_ctl(&["start"]);
            if started.status.success() {
                return cluster;
            }
            if attempt == START_ATTEMPTS {
                let log = std::fs::read_to_string(cluster.folder.join("log")).unwrap_or_default();
                check(&format!("pg_ctl start (log:\n{log})"), &started);
            }
        }
        unreachable!("the last attempt either started the server or failed the test")
    }

    /// Appends the settings for this run; later lines win over earlier.
    fn configure(&self) {
        let settings = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
             fsync = off\nfull_page_writes = off\nshared_buffers = 16MB\nmax_connections = 60\n",
            self.port,
            self.folder.display()
        );
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(self.data().join("postgresql.conf"))
            .unwrap();
        conf.write_all(settings.as_bytes()).unwrap();
    }

    fn data(&self) -> PathBuf {
        self.folder.join("data")
    }

    /// A command running the server binary `program`, as the cluster's user.
    fn command(&self, program: &str) -> Command {
        let mut command = match &self.user {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(self.bin.join(program));
                command
            }
            None => Command::new(self.bin.join(program)),
        };
        // The cluster's user may not enter the folder the tests run in.
        command.stdin(Stdio::null()).current_dir(&self.folder);
        command
    }

    fn pg_ctl(&self, action: &[&str]) -> Output {
        // `-l`: the server's output goes to the log file, so that it holds
        // none of this process's pipes.
        self.command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.folder.join("log"))
            .args(["-w", "-t", &PG_CTL_WAIT.as_secs().to_string()])
            .args(action)
            .output()
            .unwrap()
    }

    /// Starts the watchdog that stops the cluster and removes its folder
    /// once this process closes the pipe to it. It runs in a session of its
    /// own, so that an interrupt of the test run does not stop it first.
    fn start_watchdog(&self) {
        let script =
            r#"folder=$1; shift; cat > /dev/null; "$@" > /dev/null 2>&1; rm -rf "$folder""#;
        let mut stop = vec![self.bin.join("pg_ctl").into_os_string()];
        if let Some(user) = &self.user {
            let mut runuser: Vec<std::ffi::OsString> =
                vec!["runuser".into(), "-u".into(), user.into(), "--".into()];
            runuser.append(&mut stop);
            stop = runuser;
        }
        let mut child = Command::new("setsid")
            .args(["sh", "-c", script, "ruling-postgres-watchdog"])
            .arg(&self.folder)
            .args(stop)
            .arg("-D")
            .arg(self.data())
            .args(["stop", "-m", "immediate"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        *self.watchdog.lock().unwrap() = Some((child, stdin));
    }

    /// The URL of database `name` in this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// The URL of database `name` through the cluster's Unix socket.
    pub fn socket_url(&self, name: &str) -> String {
        format!(
            "postgresql:///{name}?host={}&port={}&user={SUPERUSER}",
            self.folder.display(),
            self.port
        )
    }

    /// Creates the empty database `name`, and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        self.url(name)
    }

    /// Stops the server at once, as a crash would: connections are cut
    /// and nothing is flushed.
    pub fn kill(&self) {
        check("pg_ctl stop", &self.pg_ctl(&["stop", "-m", "immediate"]));
    }

    /// Starts the server again, on the same port.
    pub fn restart(&self) {
        check("pg_ctl start", &self.pg_ctl(&["start"]));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let watchdog = self.watchdog.lock().map(|mut slot| slot.take());
        if let Ok(Some((mut child, stdin))) = watchdog {
            drop(stdin);
            let _ = child.wait();
        }
    }
}
