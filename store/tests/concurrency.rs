//! Concurrent writers and crashes: two threads, two processes, and a process
//! killed while it writes leave the store consistent, with every finding's
//! history whole (see `support::assert_consistent`).
//!
//! The child processes are this test binary run again on one test
//! (`child_writer`), which does nothing unless `STORE_CHILD` names a store.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use store::backends::sqlite::SqliteStore;
use store::{record, FindingStore, ScanReason};
use support::*;

const CHILD_ENV: &str = "STORE_CHILD";
const ROUNDS_ENV: &str = "STORE_CHILD_ROUNDS";
const HOLD_ENV: &str = "STORE_CHILD_HOLD";
/// What the holding child prints once its transaction is open.
const HOLDING: &str = "holding the transaction";

/// Alternates two scans of the same function: `minimist` vulnerable (two
/// findings), then upgraded (one); every round moves one finding.
fn write_rounds(path: &Path, rounds: usize, offset: i64) {
    let store = SqliteStore::open(path).unwrap();
    for i in 0..rounds {
        let version = if i % 2 == 0 { "1.2.0" } else { "1.2.6" };
        let hits: &[(usize, &str)] = if i % 2 == 0 {
            &[(0, "GHSA-min"), (1, "GHSA-hb")]
        } else {
            &[(1, "GHSA-hb")]
        };
        let r = report(
            &[
                (FUNCTION, "minimist", version),
                (LAYER, "handlebars", "4.7.6"),
            ],
            hits,
        );
        record(
            &store,
            subject(FUNCTION, &[LAYER]),
            &r,
            None,
            ScanReason::Function,
            day(offset + i as i64),
        )
        .unwrap();
    }
}

/// Not a test on its own: the body of a child process.
#[test]
fn child_writer() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let rounds = std::env::var(ROUNDS_ENV)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(usize::MAX);
    if std::env::var_os(HOLD_ENV).is_some() {
        return hold_a_transaction(Path::new(&path));
    }
    write_rounds(Path::new(&path), rounds, 0);
}

/// Writes three scans, then opens a transaction that rewrites every finding
/// and its history, says so on stdout, and waits to be killed.
fn hold_a_transaction(path: &Path) {
    write_rounds(path, 3, 0);
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         UPDATE findings SET status = 'CLOSED', revision = revision + 7;
         DELETE FROM finding_history;
         INSERT INTO scans (subject, at, reason, database, active) VALUES ('x', 'x', 'scan', '', 0);",
    )
    .unwrap();
    println!("{HOLDING}");
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn child_command(path: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, path)
        .stderr(Stdio::inherit());
    cmd
}

fn child(path: &Path, rounds: Option<usize>) -> std::process::Child {
    let mut cmd = child_command(path);
    cmd.stdout(Stdio::null());
    if let Some(n) = rounds {
        cmd.env(ROUNDS_ENV, n.to_string());
    }
    cmd.spawn().unwrap()
}

fn scans(store: &SqliteStore) -> usize {
    store.scans(FUNCTION).unwrap().len()
}

#[test]
fn two_threads_write_the_same_subject() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(SqliteStore::open(&path).unwrap());
    std::thread::scope(|s| {
        for offset in [0, 1000] {
            let path = &path;
            s.spawn(move || write_rounds(path, 30, offset));
        }
    });
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(scans(&store), 60, "no scan lost");
    assert_consistent(&store);
}

#[test]
fn two_threads_share_one_store_handle() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    std::thread::scope(|s| {
        for offset in [0, 1000] {
            let store = &store;
            s.spawn(move || {
                for i in 0..20 {
                    let hits: &[(usize, &str)] = if i % 2 == 0 { &[(0, "GHSA-min")] } else { &[] };
                    let r = report(&[(FUNCTION, "minimist", "1.2.0")], hits);
                    record(
                        store,
                        subject(FUNCTION, &[]),
                        &r,
                        None,
                        ScanReason::Scan,
                        day(offset + i),
                    )
                    .unwrap();
                }
            });
        }
    });
    assert_eq!(scans(&store), 40);
    assert_consistent(&store);
}

#[test]
fn two_processes_write_the_same_subject() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(SqliteStore::open(&path).unwrap());
    let children = [child(&path, Some(25)), child(&path, Some(25))];
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a writer failed");
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(scans(&store), 50, "no scan lost");
    assert_consistent(&store);
}

#[test]
fn a_writer_killed_mid_transaction_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(SqliteStore::open(&path).unwrap());
    let mut writer = child(&path, None);
    let observer = SqliteStore::open(&path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while scans(&observer) < 40 {
        assert!(Instant::now() < deadline, "the writer made no progress");
        assert!(
            writer.try_wait().unwrap().is_none(),
            "the writer stopped on its own"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL: no destructor, no rollback; most likely inside a transaction,
    // since the writer does little else.
    writer.kill().unwrap();
    writer.wait().unwrap();
    drop(observer);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let before = scans(&store);
    assert!(before >= 40);
    assert_consistent(&store);
    // The lock died with the writer: the store takes writes again.
    write_rounds(&path, 2, 10_000);
    assert_eq!(scans(&store), before + 2);
    assert_consistent(&store);
}

#[test]
fn a_process_killed_while_it_holds_a_transaction_loses_only_that_transaction() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(SqliteStore::open(&path).unwrap());
    let mut holder = child_command(&path)
        .env(HOLD_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = holder.stdout.take().unwrap();
    let said = std::io::BufReader::new(out)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains(HOLDING));
    assert!(said, "the child never opened its transaction");
    holder.kill().unwrap();
    holder.wait().unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(scans(&store), 3, "the uncommitted scan is gone");
    let findings = store.findings(&Default::default()).unwrap();
    assert_eq!(findings.len(), 2);
    assert!(
        findings.iter().all(|f| f.revision <= 3),
        "the uncommitted rewrite is gone"
    );
    assert_consistent(&store);
    write_rounds(&path, 1, 100);
    assert_eq!(scans(&store), 4);
}
