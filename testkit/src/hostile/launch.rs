//! Measuring a child's peak RSS, CPU and wall time (Linux). Linux keeps a
//! process's high-water mark across exec, so a child forked from the test or
//! bench process (which holds the inputs it built) would count that memory
//! too. The calling binary is therefore re-run as a small launcher ([`serve`],
//! selected by [`LAUNCH_ENV`]), which runs the command under an address-space
//! limit, reaps it with `wait4` and prints its exit, signal, `ru_maxrss`, CPU
//! time (`ru_utime` + `ru_stime`) and wall time; [`measure`] reads that line.
//!
//! A test binary calls [`serve`] from a test named `launcher` (which
//! [`measure`] selects by its arguments); a bench without the test harness
//! calls it first thing in `main` and ignores the arguments.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a child that hangs (most cases finish in seconds; see [`measure`]
/// for those given longer).
pub const HANG_TIMEOUT: Duration = Duration::from_secs(180);

/// Set for the launcher: the hang timeout, in seconds.
const TIMEOUT_ENV: &str = "LAMBDA_AUDIT_CEILING_TIMEOUT";
/// The child's address-space limit.
pub const ADDRESS_SPACE_BYTES: u64 = 4 << 30;

/// Set when this test binary runs as the launcher (see [`serve`]): the
/// command line to run, as a JSON array.
pub const LAUNCH_ENV: &str = "LAMBDA_AUDIT_CEILING_LAUNCH";

/// The line the launcher prints:
/// `CEILING exit=N signal=N hang=0|1 peak_kib=N cpu_us=N wall_us=N`.
const LAUNCH_LINE: &str = "CEILING";

/// How a measured command ended.
pub struct Measured {
    pub exit: i32,
    /// The signal that killed it, 0 when it exited.
    pub signal: i64,
    /// Killed after [`HANG_TIMEOUT`].
    pub hung: bool,
    /// Peak resident set size, in KiB.
    pub peak_kib: u64,
    /// User plus system CPU time, every thread included.
    pub cpu: Duration,
    /// From start to exit.
    pub wall: Duration,
}

/// Runs `cli` (program and arguments) from a launcher process, in `work`'s
/// environment (its cache folder), its standard error into `stderr`; killed
/// as hung after `hang`.
pub fn measure(cli: &[String], work: &Path, stderr: &Path, hang: Duration) -> Measured {
    let launched = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["launcher", "--exact", "--nocapture", "--test-threads=1"])
        .env(LAUNCH_ENV, serde_json::to_string(cli).unwrap())
        .env(TIMEOUT_ENV, hang.as_secs().to_string())
        .env_remove("LAMBDA_AUDIT_DB")
        .env("LAMBDA_AUDIT_CACHE_DIR", work.join("cache"))
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(stderr).expect("stderr file"))
        .output()
        .expect("the launcher runs");
    let stdout = String::from_utf8_lossy(&launched.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.find(LAUNCH_LINE).map(|at| &l[at + LAUNCH_LINE.len()..]))
        .unwrap_or_else(|| panic!("{cli:?}: no report from the launcher\n{stdout}"));
    let field = |name: &str| -> i64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    Measured {
        exit: field("exit") as i32,
        signal: field("signal"),
        hung: field("hang") != 0,
        peak_kib: field("peak_kib") as u64,
        cpu: Duration::from_micros(field("cpu_us") as u64),
        wall: Duration::from_micros(field("wall_us") as u64),
    }
}

/// The launcher: runs the command in [`LAUNCH_ENV`], if set, and prints
/// its line (see [`LAUNCH_LINE`]); true when it did.
pub fn serve() -> bool {
    let Ok(spec) = std::env::var(LAUNCH_ENV) else {
        return false;
    };
    let args: Vec<String> = serde_json::from_str(&spec).expect("a JSON command line");
    let timeout = std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(HANG_TIMEOUT, Duration::from_secs);
    let mut command = Command::new(&args[0]);
    command
        .args(&args[1..])
        .env_remove(LAUNCH_ENV)
        .env_remove(TIMEOUT_ENV)
        .stdout(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE_BYTES,
                rlim_max: ADDRESS_SPACE_BYTES,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    // Reaped by wait4 below, which gives its resource usage (std's wait does not).
    #[allow(clippy::zombie_processes)]
    let pid = command.spawn().expect("the CLI starts").id() as libc::pid_t;
    let mut hang = 0;
    let (status, usage, wall) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waits for our own child only.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
        if reaped == pid {
            break (status, usage, started.elapsed());
        }
        if hang == 0 && started.elapsed() > timeout {
            hang = 1;
            // SAFETY: kills our own child, reaped by the next wait4.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        // Fine enough for the wall time of scans that take milliseconds.
        std::thread::sleep(Duration::from_millis(1));
    };
    let (exit, signal) = if libc::WIFEXITED(status) {
        (libc::WEXITSTATUS(status), 0)
    } else {
        (-1, libc::WTERMSIG(status))
    };
    let micros = |t: libc::timeval| {
        u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000 + u64::try_from(t.tv_usec).unwrap_or(0)
    };
    println!(
        "{LAUNCH_LINE} exit={exit} signal={signal} hang={hang} peak_kib={} cpu_us={} wall_us={}",
        usage.ru_maxrss,
        micros(usage.ru_utime) + micros(usage.ru_stime),
        wall.as_micros()
    );
    true
}

/// What one scan gave: how it ran, what it said, the report it wrote.
pub struct Scanned {
    pub measured: Measured,
    pub stderr: String,
    /// The JSON report, when one was written and parses.
    pub report: Option<serde_json::Value>,
}

impl Scanned {
    /// Peak RSS in MB (10^6 bytes).
    pub fn peak_mb(&self) -> u64 {
        self.measured.peak_kib * 1024 / 1_000_000
    }
}

/// Runs `binary scan INPUT --format json --output WORK/report.json` from a
/// launcher (see [`measure`]), its standard error kept in `work`; killed as
/// hung after `hang`.
pub fn scan(binary: &str, input: &Path, work: &Path, hang: Duration) -> Scanned {
    let report = work.join("report.json");
    let stderr = work.join("stderr.txt");
    let cli = [
        binary.to_string(),
        "scan".into(),
        input.display().to_string(),
        "--format".into(),
        "json".into(),
        "--output".into(),
        report.display().to_string(),
    ];
    let measured = measure(&cli, work, &stderr, hang);
    Scanned {
        measured,
        stderr: std::fs::read_to_string(&stderr).unwrap_or_default(),
        report: std::fs::read(&report)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok()),
    }
}
