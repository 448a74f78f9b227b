//! The compiled index and its cache: never wrong. A damaged cache file (any
//! cut, any changed byte) is found and compiled again, never read as fewer
//! records; the cache follows the bytes of the database, not its mtimes; two
//! compiles at once both end with a whole index; a compiled index file opens
//! by itself; loose records are read within their limit.

use lambda_audit_analyzer::advisories::osv::Osv;
use lambda_audit_analyzer::advisories::{starter, Database, DatabaseOrigin, IndexCache};
use lambda_audit_analyzer::Ecosystem;
use std::path::{Path, PathBuf};

/// Writes `count` starter records as loose `<id>.json` files into `dir`.
fn write_records(dir: &Path, count: usize) -> Vec<serde_json::Value> {
    let records: Vec<serde_json::Value> = serde_json::from_str(starter::RECORDS_JSON).unwrap();
    let chosen: Vec<serde_json::Value> = records.into_iter().take(count).collect();
    std::fs::create_dir_all(dir).unwrap();
    for r in &chosen {
        let id = r["id"].as_str().unwrap();
        std::fs::write(dir.join(format!("{id}.json")), r.to_string()).unwrap();
    }
    chosen
}

/// Everything a scan can read from a database: its ids, and per package the
/// records (or the reasons they could not be read).
type Contents = (
    Vec<String>,
    Vec<(Ecosystem, String, Vec<Result<Osv, String>>)>,
);

fn contents(db: &Database) -> Contents {
    let ids = db.ids().map(str::to_string).collect();
    let packages = db
        .packages()
        .map(|(eco, name)| {
            let records = db
                .lookup_each(eco, name)
                .into_iter()
                .map(|r| r.map_err(|(_, reason)| reason))
                .collect();
            (eco, name.to_string(), records)
        })
        .collect();
    (ids, packages)
}

/// The one index file in `dir` (no temporary file is left behind).
fn index_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// Opens `data` through a cache whose index file was replaced by `damaged`,
/// and checks that the damage was noticed and nothing was lost.
fn open_damaged(
    cache: &IndexCache,
    data: &Path,
    file: &Path,
    damaged: &[u8],
    good: &Contents,
    what: &str,
) {
    std::fs::write(file, damaged).unwrap();
    let db = cache.open(data, DatabaseOrigin::Path).unwrap();
    let (ids, packages) = contents(&db);
    assert_eq!(ids, good.0, "{what}: ids");
    assert_eq!(db.info().records, good.0.len(), "{what}: record count");
    assert_eq!(packages.len(), good.1.len(), "{what}: packages");
    let mut read_as_damaged = false;
    for ((eco, name, records), (_, _, expected)) in packages.iter().zip(&good.1) {
        assert_eq!(records.len(), expected.len(), "{what}: {eco:?} {name}");
        for (got, want) in records.iter().zip(expected) {
            match got {
                Ok(osv) => assert_eq!(Ok(osv), want.as_ref(), "{what}: {name}"),
                Err(reason) => {
                    assert!(reason.contains("is damaged"), "{what}: {reason}");
                    read_as_damaged = true;
                }
            }
        }
    }
    let rewritten = std::fs::read(file).map_or(true, |now| now != damaged);
    assert!(
        !db.warnings().is_empty() || read_as_damaged || rewritten,
        "{what}: the damage went unnoticed"
    );
    if !db.warnings().is_empty() {
        assert!(db.warnings()[0].contains("compiling it again"), "{what}");
    }
}

#[test]
fn a_cut_or_changed_cache_file_is_noticed_and_never_read_as_fewer_records() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let index_dir = tmp.path().join("index");
    // Two records: every section is there, and the file is small enough to
    // cut and change at every byte.
    write_records(&data, 2);
    let cache = IndexCache::new(&index_dir);
    let good = contents(&cache.open(&data, DatabaseOrigin::Path).unwrap());
    assert_eq!(good.0.len(), 2);
    let file = index_file(&index_dir);
    let original = std::fs::read(&file).unwrap();
    // Every cut near the end (the footer and the tables), every 7th before.
    let tail = original.len().saturating_sub(400);
    for cut in (0..tail).step_by(7).chain(tail..original.len()) {
        open_damaged(
            &cache,
            &data,
            &file,
            &original[..cut],
            &good,
            &format!("cut at {cut}"),
        );
    }
    let db = cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert!(db.warnings().is_empty(), "a rebuilt index is used as it is");
    for at in 0..original.len() {
        let mut damaged = original.clone();
        damaged[at] ^= 0x5a;
        open_damaged(
            &cache,
            &data,
            &file,
            &damaged,
            &good,
            &format!("byte {at} changed"),
        );
    }
    // After all that, the cache holds a whole index again.
    let db = cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert_eq!(contents(&db), good);
}

#[test]
fn a_damaged_record_is_reported_and_its_cache_file_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let index_dir = tmp.path().join("index");
    write_records(&data, 3);
    let cache = IndexCache::new(&index_dir);
    drop(cache.open(&data, DatabaseOrigin::Path).unwrap());
    let file = index_file(&index_dir);
    let mut bytes = std::fs::read(&file).unwrap();
    // The first record's JSON starts right after the magic and its frame head.
    let at = bytes.windows(6).position(|w| w == b"\"id\":\"").unwrap();
    bytes[at + 6] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    let db = cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert!(db.warnings().is_empty(), "frames are checked when read");
    let (_, packages) = contents(&db);
    let damaged: Vec<&String> = packages
        .iter()
        .flat_map(|(_, _, r)| r)
        .filter_map(|r| r.as_ref().err())
        .collect();
    assert!(!damaged.is_empty());
    assert!(damaged[0].contains("fails its checksum"), "{}", damaged[0]);
    assert!(
        damaged[0].contains("the next run compiles it again"),
        "{}",
        damaged[0]
    );
    assert!(!file.exists(), "the damaged index file is removed");
    let again = cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert!(contents(&again)
        .1
        .iter()
        .all(|(_, _, r)| r.iter().all(Result::is_ok)));
}

#[test]
fn the_cache_follows_the_bytes_not_the_mtime() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let index_dir = tmp.path().join("index");
    let records = write_records(&data, 3);
    let cache = IndexCache::new(&index_dir);
    let first = cache.open(&data, DatabaseOrigin::Path).unwrap();
    let file = index_file(&index_dir);
    let stamp = std::fs::metadata(&file).unwrap().modified().unwrap();

    // New mtimes, same bytes: the index is reused as it is.
    let record_path = data.join(format!("{}.json", records[0]["id"].as_str().unwrap()));
    let mtime = std::fs::metadata(&record_path).unwrap().modified().unwrap();
    let touched = mtime + std::time::Duration::from_secs(3600);
    set_mtime(&record_path, touched);
    let again = cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), stamp);
    assert_eq!(contents(&again), contents(&first));

    // Same size and the old mtime, other bytes: compiled again.
    let mut changed = records[0].clone();
    let summary = changed["summary"].as_str().unwrap().to_string();
    let other: String = summary.chars().rev().collect();
    changed["summary"] = serde_json::json!(other);
    let text = changed.to_string();
    assert_eq!(text.len(), records[0].to_string().len());
    std::fs::write(&record_path, &text).unwrap();
    set_mtime(&record_path, touched);
    let db = cache.open(&data, DatabaseOrigin::Path).unwrap();
    let id = records[0]["id"].as_str().unwrap();
    assert_eq!(
        db.record(id).unwrap().unwrap().summary.as_deref(),
        Some(other.as_str())
    );
}

fn set_mtime(path: &Path, time: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

#[test]
fn compiles_at_once_each_end_with_a_whole_index() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let index_dir = tmp.path().join("index");
    let records = write_records(&data, 40);
    let expected = contents(&Database::open(&data).unwrap());
    let barrier = std::sync::Barrier::new(4);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let db = IndexCache::new(&index_dir)
                        .open(&data, DatabaseOrigin::Path)
                        .unwrap();
                    contents(&db)
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), expected);
        }
    });
    // One whole index is left, no temporary file.
    let file = index_file(&index_dir);
    let db = Database::open(&file).unwrap();
    assert_eq!(db.info().records, records.len());
    assert_eq!(contents(&db), expected);
}

#[test]
fn a_compiled_index_file_opens_by_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let records = write_records(&data, 10);
    let index = tmp.path().join("layer/db.idx");
    let compiled = Database::compile(&data, &index).unwrap();
    let opened = Database::open(&index).unwrap();
    assert_eq!(opened.info().records, records.len());
    assert_eq!(contents(&opened), contents(&compiled));
    assert_eq!(contents(&opened), contents(&Database::open(&data).unwrap()));
    assert_eq!(
        opened.info().location.as_deref(),
        Some(index.display().to_string().as_str())
    );
    // A cache given an index file maps it as it is.
    let cached = IndexCache::new(tmp.path().join("cache"))
        .open(&index, DatabaseOrigin::Cache)
        .unwrap();
    assert_eq!(cached.info().source, DatabaseOrigin::Cache);
    assert!(!tmp.path().join("cache").exists());
    // A cut index file is an error naming it, never fewer records.
    let bytes = std::fs::read(&index).unwrap();
    std::fs::write(&index, &bytes[..bytes.len() - 1]).unwrap();
    let err = Database::open(&index).unwrap_err().to_string();
    assert!(err.contains("db.idx"), "{err}");
}

/// A shipped index file is mapped without reading its structure (a cold
/// start costs the same whatever its size), so a changed byte there is found
/// by the lookup that reads it, or by `verify`: never read as other records.
#[test]
fn a_changed_byte_of_a_mapped_index_file_fails_what_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_records(&data, 3);
    let index = tmp.path().join("db.idx");
    let good = contents(&Database::compile(&data, &index).unwrap());
    let original = std::fs::read(&index).unwrap();
    for at in 0..original.len() {
        let mut damaged = original.clone();
        damaged[at] ^= 0x5a;
        std::fs::write(&index, &damaged).unwrap();
        let Ok(db) = Database::open(&index) else {
            continue;
        };
        let mut noticed = db.verify().is_err();
        for (eco, name, expected) in &good.1 {
            let got = db.lookup_each(*eco, name);
            if got.is_empty() && !db.has_package(*eco, name) {
                // The package map cannot be read: the lookup says so too.
                assert!(noticed, "byte {at}: {name} lost without a word");
                continue;
            }
            for (got, want) in got.iter().zip(expected) {
                match got {
                    Ok(osv) => assert_eq!(Ok(osv), want.as_ref(), "byte {at}: {name}"),
                    Err((_, reason)) => {
                        assert!(reason.contains("is damaged"), "byte {at}: {reason}");
                        noticed = true;
                    }
                }
            }
            assert!(
                got.len() == expected.len() || noticed,
                "byte {at}: {name} read as fewer records"
            );
        }
        let ids: Vec<String> = db.ids().map(str::to_string).collect();
        assert!(ids.is_empty() || ids == good.0, "byte {at}: ids {ids:?}");
        assert!(noticed, "byte {at}: the damage went unnoticed");
    }
}

/// `db update` gives a new version whose exports did not change the
/// previous version's index: only when the files hold the same bytes.
#[test]
fn an_index_is_given_to_the_same_bytes_elsewhere_never_to_other_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    write_records(&a, 3);
    let cache_a = IndexCache::new(tmp.path().join("index-a"));
    let compiled = cache_a.open(&a, DatabaseOrigin::Path).unwrap();
    assert!(compiled.was_compiled());
    let good = contents(&compiled);
    std::fs::create_dir_all(&b).unwrap();
    std::fs::create_dir_all(&c).unwrap();
    for entry in std::fs::read_dir(&a).unwrap() {
        let from = entry.unwrap().path();
        let name = from.file_name().unwrap();
        std::fs::hard_link(&from, b.join(name)).unwrap();
        std::fs::copy(&from, c.join(name)).unwrap();
    }
    // The same bytes under another folder: given, and mapped there.
    let cache_b = IndexCache::new(tmp.path().join("index-b"));
    assert!(cache_b.adopt(&b, &cache_a, &a).unwrap());
    let db = cache_b.open(&b, DatabaseOrigin::Path).unwrap();
    assert!(!db.was_compiled(), "the given index is used as it is");
    assert_eq!(contents(&db), good);
    assert!(db.sources().iter().all(|s| s.path.starts_with(&b)));
    // One changed byte (the length kept): not given.
    let changed = std::fs::read_dir(&c)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&changed).unwrap();
    let at = bytes.windows(6).position(|w| w == b"\"id\":\"").unwrap();
    bytes[at + 6] ^= 0x01;
    std::fs::write(&changed, &bytes).unwrap();
    let cache_c = IndexCache::new(tmp.path().join("index-c"));
    assert!(!cache_c.adopt(&c, &cache_a, &a).unwrap());
    assert!(cache_c
        .open(&c, DatabaseOrigin::Path)
        .unwrap()
        .was_compiled());
    // Nothing to give: no index for that database.
    let none = IndexCache::new(tmp.path().join("index-none"));
    assert!(!cache_b.adopt(&b, &none, &a).unwrap());
}

/// Files compiled a moment after they were written cannot be trusted by
/// their fingerprint, so the next opens hash them; once they have settled,
/// one open records their fingerprints, and later opens neither hash nor
/// rewrite anything.
#[cfg(unix)]
#[test]
fn fingerprints_that_settle_after_a_compile_are_recorded_once() {
    use lambda_audit_analyzer::advisories::fingerprint::SETTLE_MARGIN;
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_records(&data, 2);
    let index_dir = tmp.path().join("index");
    let cache = IndexCache::new(&index_dir);
    let db = cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert!(db.was_compiled());
    assert!(db.sources().iter().all(|s| !s.settled), "written just now");
    let inode = || std::fs::metadata(index_file(&index_dir)).unwrap().ino();
    let compiled = inode();
    std::thread::sleep(SETTLE_MARGIN + std::time::Duration::from_millis(200));
    let db = cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert!(!db.was_compiled());
    let restamped = inode();
    assert_ne!(restamped, compiled, "the settled fingerprints are recorded");
    let db = cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert!(!db.was_compiled());
    assert!(db.sources().iter().all(|s| s.settled));
    assert_eq!(inode(), restamped, "nothing is rewritten again");
}

#[test]
fn loose_records_are_read_within_their_limit_and_only_from_regular_files() {
    let tmp = tempfile::tempdir().unwrap();
    let records = write_records(tmp.path(), 2);
    // Over the limit by its metadata: skipped without being read.
    let big = std::fs::File::create(tmp.path().join("big.json")).unwrap();
    big.set_len(17 * 1024 * 1024).unwrap();
    #[cfg(unix)]
    let fifo = {
        let path = tmp.path().join("pipe.json");
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        made.is_ok_and(|s| s.success())
    };
    let db = Database::open(tmp.path()).unwrap();
    let info = db.info();
    assert_eq!(info.records, records.len());
    assert!(
        info.invalid_records
            .iter()
            .any(|r| r.contains("big.json") && r.contains("record limit, skipped")),
        "{:?}",
        info.invalid_records
    );
    #[cfg(unix)]
    if fifo {
        assert!(
            info.invalid_records
                .iter()
                .any(|r| r.contains("pipe.json: not a regular file, skipped")),
            "{:?}",
            info.invalid_records
        );
    }
}
