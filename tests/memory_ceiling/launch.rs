//! Measuring a child's peak RSS. Linux keeps a process's high-water mark
//! across exec, so a child forked from the test process (which holds the
//! inputs it built) would count that memory too. The test binary is therefore
//! re-run as a small launcher ([`serve`], selected by [`LAUNCH_ENV`]), which
//! runs the command under an address-space limit, reaps it with `wait4` and
//! prints its exit, signal and `ru_maxrss`; [`measure`] reads that line.

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

/// The line the launcher prints: `CEILING exit=N signal=N hang=0|1 peak_kib=N`.
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
        .unwrap_or_else(|| panic!("{}: no report from the launcher\n{stdout}", cli[2]));
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
    }
}

/// The launcher: runs the command in [`LAUNCH_ENV`], if set, and prints
/// `CEILING exit=N signal=N hang=0|1 peak_kib=N`.
pub fn serve() {
    let Ok(spec) = std::env::var(LAUNCH_ENV) else {
        return;
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
    // Reaped by wait4 below, which gives its resource usage (std's wait does not).
    #[allow(clippy::zombie_processes)]
    let pid = command.spawn().expect("the CLI starts").id() as libc::pid_t;
    let started = Instant::now();
    let mut hang = 0;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waits for our own child only.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
        if reaped == pid {
            break (status, usage);
        }
        if hang == 0 && started.elapsed() > timeout {
            hang = 1;
            // SAFETY: kills our own child, reaped by the next wait4.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (exit, signal) = if libc::WIFEXITED(status) {
        (libc::WEXITSTATUS(status), 0)
    } else {
        (-1, libc::WTERMSIG(status))
    };
    println!(
        "{LAUNCH_LINE} exit={exit} signal={signal} hang={hang} peak_kib={}",
        usage.ru_maxrss
    );
}
