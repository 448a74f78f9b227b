//! `db update` against a loopback server serving a folder laid out like OSV's
//! export bucket: a full update, an incremental one (changed, new and removed
//! records), `--ecosystem`, the flat layout of earlier releases, and every way
//! a download can fail. After a failure the previous database stays in force
//! (same pointer, same scan result, nothing left behind) and the error names
//! what failed.

mod support;

use analyzer::Ecosystem;
use lambda_audit_sources::update::{How, UpdateError};
use support::{rec, Bucket, Cache};
use testkit::aws::Canned;

const OLD: &str = "2024-01-01T00:00:00Z";
const NEW: &str = "2024-06-01T12:00:00.5Z";

fn how(report: &lambda_audit_sources::update::UpdateReport, eco: Ecosystem) -> How {
    report
        .ecosystems
        .iter()
        .find(|e| e.ecosystem == eco)
        .map(|e| e.how.clone())
        .unwrap_or_else(|| panic!("{eco} missing from {report:?}"))
}

/// A bucket with three npm records and one per other ecosystem.
fn bucket() -> Bucket {
    let bucket = Bucket::new();
    bucket.publish_all(OLD);
    bucket.publish(
        "npm",
        &[
            rec("GHSA-a", OLD, "left-pad"),
            rec("GHSA-b", OLD, "left-pad"),
            rec("MAL-c", OLD, "evil"),
        ],
    );
    bucket
}

#[test]
fn a_full_then_an_incremental_update_fetch_only_what_changed() {
    let bucket = bucket();
    let cache = Cache::new();
    let first = cache.update(bucket.base(), &[], false).unwrap();
    assert_eq!(first.ecosystems.len(), Ecosystem::ALL.len());
    assert!(matches!(
        how(&first, Ecosystem::Npm),
        How::Full {
            instead_of_incremental: None,
            ..
        }
    ));
    assert_eq!(first.ecosystems[0].records, 3);
    let pointer = cache.pointer().expect("a pointer");
    assert_eq!(
        first.dir,
        cache.root().join("versions").join(pointer.trim())
    );
    assert_eq!(cache.locations().cache_current(), Some(first.dir.clone()));
    assert_eq!(
        cache.scan(Ecosystem::Npm, "left-pad"),
        vec![("GHSA-a".into(), OLD.into()), ("GHSA-b".into(), OLD.into())]
    );
    assert!(
        first.dir.join(".index").is_dir(),
        "a version keeps its compiled index inside it"
    );
    assert!(!cache.dir.path().join("index").exists());

    // GHSA-a changes, GHSA-b goes, GHSA-d is new; MAL-c stays.
    bucket.publish(
        "npm",
        &[
            rec("GHSA-a", NEW, "left-pad"),
            rec("MAL-c", OLD, "evil"),
            rec("GHSA-d", NEW, "left-pad"),
        ],
    );
    let second = cache.update(bucket.base(), &[], false).unwrap();
    assert!(
        cache.database().was_compiled(),
        "a changed database gets an index of its own"
    );
    assert_eq!(
        how(&second, Ecosystem::Npm),
        How::Incremental {
            fetched: 2,
            removed: 1
        }
    );
    assert_eq!(
        how(&second, Ecosystem::PyPI),
        How::Incremental {
            fetched: 0,
            removed: 0
        }
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let inode = |dir: &std::path::Path| {
            std::fs::metadata(dir.join("PyPI/all.zip"))
                .map(|m| m.ino())
                .unwrap()
        };
        assert_eq!(
            inode(&first.dir),
            inode(&second.dir),
            "an unchanged export is linked, not rewritten"
        );
    }
    assert_eq!(
        bucket.hits("/npm/all.zip"),
        1,
        "the export is not downloaded again"
    );
    assert_eq!(bucket.hits("/npm/GHSA-a.json"), 1);
    assert_eq!(bucket.hits("/npm/GHSA-d.json"), 1);
    assert_eq!(
        bucket.hits("/npm/MAL-c.json"),
        0,
        "unchanged records are not fetched"
    );
    assert_eq!(
        cache.scan(Ecosystem::Npm, "left-pad"),
        vec![("GHSA-a".into(), NEW.into()), ("GHSA-d".into(), NEW.into())]
    );
    assert_eq!(cache.scan(Ecosystem::Npm, "evil").len(), 1);
    assert_eq!(second.previous.as_ref(), Some(&first.dir));
    assert!(first.dir.is_dir(), "the previous version is kept");

    // A third update changes nothing: the second version's compiled index
    // is the third's, and the next scan maps it without compiling.
    assert!(!cache.database().was_compiled(), "the second index is kept");
    let third = cache.update(bucket.base(), &[], false).unwrap();
    assert!(
        third.dir.join(".index").is_dir(),
        "the unchanged database's index is carried over"
    );
    let db = cache.database();
    assert!(!db.was_compiled(), "no record is compiled again");
    assert_eq!(db.info().location, Some(third.dir.display().to_string()));
    assert!(!first.dir.exists(), "older versions are pruned");
    assert!(second.dir.is_dir() && third.dir.is_dir());
    // Three npm records and one per other ecosystem.
    assert_eq!(
        cache.database().info().records,
        3 + Ecosystem::ALL.len() - 1
    );
}

#[test]
fn only_the_ecosystems_asked_for_are_fetched() {
    let bucket = bucket();
    let cache = Cache::new();
    let first = cache
        .update(bucket.base(), &[Ecosystem::PyPI], false)
        .unwrap();
    let ecosystems: Vec<Ecosystem> = first.ecosystems.iter().map(|e| e.ecosystem).collect();
    assert_eq!(ecosystems, vec![Ecosystem::PyPI]);
    assert_eq!(bucket.hits("/npm/all.zip"), 0);
    assert_eq!(cache.database().info().ecosystems.len(), 1);

    let all = cache.update(bucket.base(), &[], false).unwrap();
    assert_eq!(all.ecosystems.len(), Ecosystem::ALL.len());
    bucket.publish("npm", &[rec("GHSA-z", NEW, "left-pad")]);
    let npm = cache
        .update(bucket.base(), &[Ecosystem::Npm], false)
        .unwrap();
    assert_eq!(how(&npm, Ecosystem::Maven), How::CarriedOver);
    assert_eq!(
        bucket.hits("/Maven/all.zip"),
        1,
        "only by the update of all"
    );
    assert_eq!(
        bucket.hits("/Maven/modified_id.csv"),
        0,
        "Maven is not looked at"
    );
    assert_eq!(cache.scan(Ecosystem::Npm, "left-pad").len(), 1);
    assert_eq!(
        cache.database().info().ecosystems.len(),
        Ecosystem::ALL.len(),
        "the others are kept"
    );
}

#[test]
fn too_many_changes_or_no_listing_download_the_whole_export() {
    let bucket = bucket();
    let cache = Cache::new();
    cache
        .update(bucket.base(), &[Ecosystem::Npm], false)
        .unwrap();
    bucket.publish(
        "npm",
        &[
            rec("GHSA-a", NEW, "left-pad"),
            rec("GHSA-b", NEW, "left-pad"),
            rec("MAL-c", OLD, "evil"),
        ],
    );
    let report = cache
        .update_with(bucket.base(), &[Ecosystem::Npm], false, 1)
        .unwrap();
    match how(&report, Ecosystem::Npm) {
        How::Full {
            instead_of_incremental: Some(why),
            ..
        } => assert_eq!(why, "2 records changed, more than the 1 fetched one by one"),
        other => panic!("{other:?}"),
    }
    bucket.fault("/npm/modified_id.csv", Canned::status(404));
    let report = cache
        .update(bucket.base(), &[Ecosystem::Npm], false)
        .unwrap();
    match how(&report, Ecosystem::Npm) {
        How::Full {
            instead_of_incremental: Some(why),
            ..
        } => assert!(why.ends_with("/npm/modified_id.csv: HTTP 404"), "{why}"),
        other => panic!("{other:?}"),
    }
    let forced = cache
        .update(bucket.base(), &[Ecosystem::Npm], true)
        .unwrap();
    assert!(matches!(
        how(&forced, Ecosystem::Npm),
        How::Full {
            instead_of_incremental: None,
            ..
        }
    ));
    assert_eq!(bucket.hits("/npm/all.zip"), 4);
}

/// Runs a failing update and checks that nothing changed: same pointer,
/// same files, same scan result.
fn assert_fails_and_keeps_the_database(
    cache: &Cache,
    bucket: &Bucket,
    full: bool,
    expect: &[&str],
) -> UpdateError {
    let scan = cache.scan(Ecosystem::Npm, "left-pad");
    let (pointer, files) = (cache.pointer(), cache.files());
    let err = cache.update(bucket.base(), &[], full).unwrap_err();
    let text = err.to_string();
    for part in expect {
        assert!(text.contains(part), "{part:?} not in: {text}");
    }
    assert!(!err.next_step().is_empty());
    assert_eq!(
        cache.pointer(),
        pointer,
        "the pointer is unchanged ({text})"
    );
    assert_eq!(
        cache.files(),
        files,
        "nothing added or left behind ({text})"
    );
    assert_eq!(cache.scan(Ecosystem::Npm, "left-pad"), scan);
    err
}

#[test]
fn failures_keep_the_previous_database_and_say_what_failed() {
    let bucket = bucket();
    let cache = Cache::new();
    cache.update(bucket.base(), &[], false).unwrap();
    let export = std::fs::read(bucket.dir.path().join("Maven/all.zip")).unwrap();

    // The server dies in the middle of an export.
    bucket.fault("/Maven/all.zip", Canned::cut_short(export.clone()));
    let err = assert_fails_and_keeps_the_database(
        &cache,
        &bucket,
        true,
        &["download interrupted", "the Maven export", "/Maven/all.zip"],
    );
    assert_eq!(err.ecosystem, Some(Ecosystem::Maven));
    assert!(
        err.to_string().starts_with("download interrupted"),
        "cause first: {err}"
    );
    assert!(err.next_step().contains("network"), "{}", err.next_step());

    // A complete download of a truncated zip.
    bucket.fault(
        "/Maven/all.zip",
        Canned::ok(export[..export.len() / 2].to_vec()),
    );
    assert_fails_and_keeps_the_database(
        &cache,
        &bucket,
        true,
        &["not a readable zip", "/Maven/all.zip"],
    );

    // A zip whose members are not OSV records.
    bucket.fault(
        "/Maven/all.zip",
        Canned::ok(testkit::zip_of(&[("X-1.json", br#"{"hello":"world"}"#)])),
    );
    assert_fails_and_keeps_the_database(
        &cache,
        &bucket,
        true,
        &["the zip holds no valid OSV records", "missing field `id`"],
    );
    bucket.serve();

    // Incremental: a changed record that is not OSV.
    bucket.publish(
        "npm",
        &[
            rec("GHSA-a", NEW, "left-pad"),
            rec("GHSA-b", OLD, "left-pad"),
            rec("MAL-c", OLD, "evil"),
        ],
    );
    bucket.fault(
        "/npm/GHSA-a.json",
        Canned::ok(b"<html>rate limited</html>".to_vec()),
    );
    let err = assert_fails_and_keeps_the_database(
        &cache,
        &bucket,
        false,
        &["not an OSV record", "record GHSA-a", "/npm/GHSA-a.json"],
    );
    assert!(err.next_step().contains("--full"), "{}", err.next_step());

    // Incremental: a record that is another record.
    let other = support::record_json("npm", &rec("GHSA-zzz", NEW, "x"));
    bucket.fault("/npm/GHSA-a.json", Canned::ok(other.into_bytes()));
    assert_fails_and_keeps_the_database(&cache, &bucket, false, &["holds record `GHSA-zzz`"]);

    // Incremental: the server dies in the middle of a record.
    let good = std::fs::read(bucket.dir.path().join("npm/GHSA-a.json")).unwrap();
    bucket.fault("/npm/GHSA-a.json", Canned::cut_short(good));
    assert_fails_and_keeps_the_database(
        &cache,
        &bucket,
        false,
        &[
            "download interrupted",
            "record GHSA-a",
            "/npm/modified_id.csv",
        ],
    );

    // Incremental: the listing names a record the server does not have.
    std::fs::remove_file(bucket.dir.path().join("npm/GHSA-a.json")).unwrap();
    bucket.fault("/npm/GHSA-a.json", Canned::status(404));
    let err = assert_fails_and_keeps_the_database(
        &cache,
        &bucket,
        false,
        &[
            "HTTP 404",
            "record GHSA-a, which",
            "/npm/modified_id.csv lists",
        ],
    );
    assert!(err.next_step().contains("--full"), "{}", err.next_step());

    // With all of it served again, the update goes through.
    bucket.publish(
        "npm",
        &[
            rec("GHSA-a", NEW, "left-pad"),
            rec("GHSA-b", OLD, "left-pad"),
            rec("MAL-c", OLD, "evil"),
        ],
    );
    cache.update(bucket.base(), &[], false).unwrap();
    assert_eq!(
        cache.scan(Ecosystem::Npm, "left-pad"),
        vec![("GHSA-a".into(), NEW.into()), ("GHSA-b".into(), OLD.into())]
    );
}

#[test]
fn a_failed_first_update_installs_nothing() {
    let bucket = bucket();
    let export = std::fs::read(bucket.dir.path().join("npm/all.zip")).unwrap();
    bucket.fault("/npm/all.zip", Canned::cut_short(export));
    let cache = Cache::new();
    let err = cache.update(bucket.base(), &[], false).unwrap_err();
    assert!(err.to_string().contains("/npm/all.zip"), "{err}");
    assert_eq!(cache.pointer(), None);
    assert_eq!(
        cache.files(),
        vec!["versions".to_string()],
        "no version, no staging left"
    );
    assert_eq!(cache.locations().cache_current(), None);
}

#[test]
fn the_flat_layout_of_earlier_releases_is_read_until_an_update_replaces_it() {
    let bucket = bucket();
    let cache = Cache::new();
    // An earlier release's cache: <cache>/db/<Ecosystem>/all.zip.
    for eco in ["npm", "Maven"] {
        let dir = cache.root().join(eco);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            bucket.dir.path().join(eco).join("all.zip"),
            dir.join("all.zip"),
        )
        .unwrap();
    }
    assert_eq!(cache.locations().cache_current(), Some(cache.root()));
    assert_eq!(cache.scan(Ecosystem::Npm, "left-pad").len(), 2);
    // A staging folder of an update in progress is not read as records.
    let staging = cache.root().join("versions/.staging-x/npm");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::copy(
        bucket.dir.path().join("npm/all.zip"),
        staging.join("all.zip"),
    )
    .unwrap();
    assert_eq!(cache.database().info().records, 4);
    std::fs::remove_dir_all(cache.root().join("versions")).unwrap();

    // Only npm is asked for: Maven is carried over from the flat layout.
    let report = cache
        .update(bucket.base(), &[Ecosystem::Npm], false)
        .unwrap();
    assert!(matches!(how(&report, Ecosystem::Npm), How::Full { .. }));
    assert_eq!(how(&report, Ecosystem::Maven), How::CarriedOver);
    assert!(
        !cache.root().join("npm").exists(),
        "the flat layout is removed"
    );
    assert_eq!(cache.locations().cache_current(), Some(report.dir));
    assert_eq!(cache.database().info().records, 4);
}

#[test]
fn without_a_pointer_the_newest_version_is_in_force() {
    let bucket = bucket();
    let cache = Cache::new();
    let first = cache.update(bucket.base(), &[], false).unwrap();
    let second = cache.update(bucket.base(), &[], false).unwrap();
    assert_eq!(cache.locations().cache_current(), Some(second.dir.clone()));
    // An update stopped between its two renames: the version is complete.
    std::fs::remove_file(cache.root().join("current")).unwrap();
    assert_eq!(cache.locations().cache_current(), Some(second.dir.clone()));
    std::fs::write(cache.root().join("current"), "../../elsewhere\n").unwrap();
    assert_eq!(cache.locations().cache_current(), Some(second.dir));
    let name = first
        .dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    std::fs::write(cache.root().join("current"), format!("{name}\n")).unwrap();
    assert_eq!(cache.locations().cache_current(), Some(first.dir));
}
