//! Every hostile archive and folder of issue 11, built by the test itself: each
//! gives the legitimate packages, and a gap wherever a limit or read error kept
//! evidence from being read. Never a panic, a hang or a silent drop.

use lambda_audit_analyzer::archive::{ArchiveError, ArchiveTree};
use lambda_audit_analyzer::extract::{self, ArtifactScan};
use lambda_audit_analyzer::Limits;
use testkit::hostile::{self, package_json, RawZip};

fn open_with(bytes: Vec<u8>, limits: &Limits) -> ArchiveTree {
    ArchiveTree::open_bytes("hostile.zip", bytes, limits).expect("the archive opens")
}

fn scan(tree: &ArchiveTree) -> ArtifactScan {
    extract::scan_tree(tree, &extract::all())
}

/// (name, version, path) of every package found.
fn packages(scan: &ArtifactScan) -> Vec<(&str, &str, &str)> {
    scan.packages
        .iter()
        .map(|f| (f.name.as_str(), f.version.as_str(), f.path.as_str()))
        .collect()
}

/// (path, reason) of every gap.
fn gaps(scan: &ArtifactScan) -> Vec<(&str, &str)> {
    scan.incomplete
        .iter()
        .map(|g| (g.path.as_str(), g.reason.as_str()))
        .collect()
}

const MINIMIST: (&str, &str, &str) = ("minimist", "1.2.0", "node_modules/minimist/package.json");

#[test]
fn lying_sizes_cannot_starve_the_manifest_and_leave_gaps() {
    let bytes = hostile::lying_sizes();
    assert!(bytes.len() < 1024, "{} bytes", bytes.len());
    let tree = open_with(bytes, &Limits::default());
    let scan = scan(&tree);
    assert_eq!(packages(&scan), [MINIMIST]);
    let gaps = gaps(&scan);
    assert!(
        gaps.iter()
            .any(|(p, r)| *p == "a/x0.jar" && r.contains("possible zip bomb")),
        "{gaps:?}"
    );
    for i in 1..5 {
        let path = format!("a/x{i}.jar");
        assert!(
            gaps.iter()
                .any(|(p, r)| *p == path && r.contains("overlaps that of `a/x0.jar`")),
            "{path}: {gaps:?}"
        );
    }
}

#[test]
fn honest_nested_archives_past_their_pool_cannot_starve_the_manifest() {
    // Five real jars (deflated, 4,000 bytes each inflated) against a pool for
    // one and a total for three: each is held only while listed, so listing
    // fills the total up to its last pool's worth (two jars), the other three
    // are gaps, and the manifest is read all the same.
    let mut inner = RawZip::new();
    inner.stored("META-INF/MANIFEST.MF", &[b'm'; 3_800]);
    let jar = inner.finish();
    let mut z = RawZip::new();
    for i in 0..5 {
        z.deflated(&format!("lib/x{i}.jar"), &jar);
    }
    z.deflated(MINIMIST.2, &package_json("minimist", "1.2.0"));
    let limits = Limits {
        max_nested_archive_bytes: jar.len() as u64,
        max_total_inflated_bytes: 3 * jar.len() as u64,
        ..Limits::default()
    };
    let tree = open_with(z.finish(), &limits);
    let scan = scan(&tree);
    assert_eq!(packages(&scan), [MINIMIST]);
    assert_eq!(
        tree.jars.len(),
        2,
        "two jars fit the total before its reserve"
    );
    let total_gaps = gaps(&scan)
        .into_iter()
        .filter(|(p, r)| p.ends_with(".jar") && r.contains("total limit"))
        .count();
    assert_eq!(total_gaps, 3, "{:?}", scan.incomplete);
}

#[test]
fn duplicate_names_are_both_read_and_reported_with_a_warning() {
    let tree = open_with(hostile::duplicate_names(), &Limits::default());
    let scan = scan(&tree);
    let path = "node_modules/lodash/package.json";
    assert_eq!(
        packages(&scan),
        [("lodash", "4.17.15", path), ("lodash", "4.17.21", path)]
    );
    assert!(scan.incomplete.is_empty(), "{:?}", scan.incomplete);
    assert!(
        tree.warnings
            .iter()
            .any(|w| w.path == path && w.message.contains("2 entries have this name")),
        "{:?}",
        tree.warnings
    );
}

#[test]
fn different_non_utf8_names_that_decode_alike_are_both_kept() {
    let tree = open_with(hostile::non_utf8_twins(), &Limits::default());
    let scan = scan(&tree);
    let names: Vec<_> = packages(&scan).iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(names, [("left-pad", "1.0.0"), ("lodash", "4.17.15")]);
    assert!(tree
        .warnings
        .iter()
        .any(|w| w.message.contains("not valid UTF-8")));
}

#[test]
fn dot_segments_are_resolved_and_escaping_paths_stay_inside_the_root() {
    let tree = open_with(hostile::dot_paths(), &Limits::default());
    let scan = scan(&tree);
    assert_eq!(
        packages(&scan),
        [
            ("y", "1.0.0", "node_modules/y/package.json"),
            ("z", "2.0.0", "node_modules/z/package.json"),
        ]
    );
    assert!(tree.files.iter().all(|f| !f.path.contains("..")));
    let slip = tree
        .warnings
        .iter()
        .find(|w| w.message.contains("zip-slip"))
        .expect("a zip-slip warning");
    assert_eq!(slip.path, "node_modules/z/package.json");
    assert!(slip.message.contains("`../../node_modules/z/package.json`"));
}

#[test]
fn overlapping_stored_fan_out_opens_one_archive_per_level() {
    let bytes = hostile::overlapping_fanout(4, 256);
    assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
    let tree = open_with(bytes, &Limits::default());
    // One archive per level, not 256^4; each level's 255 other entries are gaps.
    assert!(tree.files.len() <= 10, "{} files", tree.files.len());
    assert!(tree.files.iter().any(|f| f.path.ends_with("!/leaf.txt")));
    let scan = scan(&tree);
    assert_eq!(packages(&scan), [MINIMIST]);
    let overlaps = gaps(&scan)
        .iter()
        .filter(|(_, r)| r.contains("possible zip bomb"))
        .count();
    assert_eq!(overlaps, 4 * 255);
}

#[test]
fn partially_overlapping_entries_are_refused() {
    let tree = open_with(hostile::partial_overlap(), &Limits::default());
    let scan = scan(&tree);
    assert_eq!(packages(&scan), [MINIMIST]);
    assert!(tree.get("outer.bin").is_some());
    assert!(tree.get("inner.txt").is_none());
    assert!(
        gaps(&scan)
            .iter()
            .any(|(p, r)| *p == "inner.txt" && r.contains("overlaps that of `outer.bin`")),
        "{:?}",
        scan.incomplete
    );
}

#[test]
fn deflated_fan_out_stops_at_the_limits_with_gaps() {
    let bytes = hostile::deflated_fanout(4, 16);
    assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
    let tree = open_with(bytes, &Limits::default());
    let scan = scan(&tree);
    assert_eq!(packages(&scan), [MINIMIST]);
    assert!(!scan.incomplete.is_empty());
    assert!(tree.files.len() < 100_000, "{} files", tree.files.len());
}

#[test]
fn the_end_of_central_directory_count_is_checked_before_parsing() {
    let bytes = hostile::huge_central_directory(10, 1_000_000);
    match ArchiveTree::open_bytes("cd.zip", bytes, &Limits::default()) {
        Err(ArchiveError::TooManyEntries { count, limit, .. }) => {
            assert_eq!((count, limit), (1_000_000, 500_000));
        }
        other => panic!("expected too many entries, got {other:?}"),
    }
}

#[test]
fn a_central_directory_longer_than_declared_is_counted_while_parsed() {
    let limits = Limits {
        max_entries: 100,
        ..Limits::default()
    };
    let exact = hostile::huge_central_directory(100, 5);
    let tree = ArchiveTree::open_bytes("cd.zip", exact, &limits).expect("100 entries fit");
    assert_eq!(tree.files.len(), 1, "the 99 others overlap the first");
    let over = hostile::huge_central_directory(101, 5);
    let err = ArchiveTree::open_bytes("cd.zip", over, &limits).unwrap_err();
    assert!(
        err.to_string()
            .contains("101 entries exceeds the limit of 100"),
        "{err}"
    );
}

#[test]
fn entries_are_counted_tree_wide_while_nested_archives_open() {
    let mut inner = RawZip::new();
    for i in 0..4 {
        inner.stored(&format!("f{i}"), b"x");
    }
    let inner = inner.finish();
    let mut outer = RawZip::new();
    outer.stored("a.zip", &inner);
    outer.stored("b.zip", &inner);
    outer.deflated(MINIMIST.2, &package_json("minimist", "1.2.0"));
    let limits = Limits {
        max_entries: 3 + 4,
        ..Limits::default()
    };
    let tree = open_with(outer.finish(), &limits);
    let scan = scan(&tree);
    assert_eq!(packages(&scan), [MINIMIST]);
    assert_eq!(tree.files.len(), 3 + 4, "one nested zip fits");
    let g = gaps(&scan);
    assert_eq!(g.len(), 1, "{g:?}");
    assert!(
        g[0].1.contains("11 entries exceeds the limit of 7"),
        "{g:?}"
    );
}

#[test]
fn nested_archives_are_counted_and_stop_at_their_limit() {
    let mut inner = RawZip::new();
    inner.stored("f", b"x");
    let inner = inner.finish();
    let mut outer = RawZip::new();
    for name in ["a.zip", "b.zip", "c.zip"] {
        outer.stored(name, &inner);
    }
    let limits = Limits {
        max_nested_archives: 2,
        ..Limits::default()
    };
    let tree = open_with(outer.finish(), &limits);
    let opened = tree.files.iter().filter(|f| f.depth == 1).count();
    assert_eq!(opened, 2);
    assert_eq!(tree.gaps.len(), 1, "{:?}", tree.gaps);
    assert!(tree.gaps[0]
        .reason
        .contains("nested archive #3 exceeds the limit of 2"));
}

#[test]
fn a_truncated_zip_says_what_is_missing() {
    let mut z = RawZip::new();
    z.deflated("a.txt", &[b'a'; 4096]);
    let bytes = z.finish();
    let open_cut = |cut: usize| {
        let bytes = bytes[..bytes.len() - cut].to_vec();
        ArchiveTree::open_bytes("cut.zip", bytes, &Limits::default())
            .unwrap_err()
            .to_string()
    };
    // Without its end record: nothing says where the directory is.
    assert_eq!(
        open_cut(30),
        "cut.zip: not a readable zip archive: end of central directory not found: \
         the file may be truncated, or is not a zip"
    );
    // The end record cut short.
    assert_eq!(
        open_cut(10),
        "cut.zip: not a readable zip archive: the central directory runs past the end \
         of the file: the file may be truncated"
    );
}

#[test]
fn a_broken_central_directory_in_a_nested_zip_is_a_gap_on_that_zip() {
    let mut inner = RawZip::new();
    inner.deflated(MINIMIST.2, &package_json("minimist", "1.2.0"));
    inner.deflated(
        "node_modules/later/package.json",
        &package_json("later", "1.0.0"),
    );
    let mut inner = inner.finish();
    // Break the second central-directory record's signature.
    let records: Vec<usize> = inner
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x01\x02")
        .map(|(i, _)| i)
        .collect();
    inner[records[1]] = b'X';
    let mut outer = RawZip::new();
    outer.stored("bundle.zip", &inner);
    let tree = open_with(outer.finish(), &Limits::default());
    let scan = scan(&tree);
    let found: Vec<_> = packages(&scan).iter().map(|p| p.0).collect();
    assert_eq!(found, ["minimist"]);
    let g = gaps(&scan);
    assert_eq!(g.len(), 1, "{g:?}");
    assert_eq!(g[0].0, "bundle.zip");
    assert!(
        g[0].1
            .contains("central directory unreadable from record #1"),
        "{g:?}"
    );
}

#[test]
fn the_artifact_size_limit_is_exact() {
    let bytes = hostile::dot_paths();
    let at = |limit: usize| Limits {
        max_artifact_bytes: limit as u64,
        ..Limits::default()
    };
    assert!(ArchiveTree::open_bytes("a.zip", bytes.clone(), &at(bytes.len())).is_ok());
    let err = ArchiveTree::open_bytes("a.zip", bytes.clone(), &at(bytes.len() - 1)).unwrap_err();
    assert!(matches!(err, ArchiveError::TooLarge { .. }), "{err}");
}

#[test]
fn an_os_error_is_said_once_even_when_the_chain_is_printed() {
    let err = ArchiveTree::open_path(
        std::path::Path::new("/nonexistent/function.zip"),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(std::error::Error::source(&err).is_none(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "/nonexistent/function.zip: cannot read: No such file or directory (os error 2)"
    );
}

#[cfg(unix)]
mod folders {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn mkfifo(path: &Path) {
        let status = Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success(), "mkfifo {}", path.display());
    }

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn fifos_are_listed_as_skipped_and_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join(MINIMIST.2), &package_json("minimist", "1.2.0"));
        std::fs::create_dir_all(root.join("lib")).unwrap();
        mkfifo(&root.join("package-lock.json"));
        mkfifo(&root.join("lib/dep.jar"));
        let tree = ArchiveTree::open_path(root, &Limits::default()).unwrap();
        let scan = scan(&tree);
        assert_eq!(packages(&scan), [MINIMIST]);
        let skipped: Vec<_> = scan
            .skipped
            .iter()
            .filter(|s| s.reason.contains("not a regular file (FIFO)"))
            .map(|s| s.path.as_str())
            .collect();
        assert_eq!(skipped, ["lib/dep.jar", "package-lock.json"]);
        assert!(scan.incomplete.is_empty(), "{:?}", scan.incomplete);
    }

    #[test]
    fn symbolic_links_are_never_followed_and_those_leaving_the_folder_are_skipped() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        write(
            &outside.path().join("package-lock.json"),
            br#"{"lockfileVersion":3,"packages":{"node_modules/lodash":{"version":"4.17.15"}}}"#,
        );
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join(MINIMIST.2), &package_json("minimist", "1.2.0"));
        // Inside the folder: read where the target lives, not a second time.
        symlink("minimist", root.join("node_modules/alias")).unwrap();
        // Outside, nowhere, and a cycle: listed as skipped, never followed.
        symlink(
            outside.path().join("package-lock.json"),
            root.join("package-lock.json"),
        )
        .unwrap();
        symlink("missing", root.join("node_modules/dangling")).unwrap();
        symlink("loop-b", root.join("loop-a")).unwrap();
        symlink("loop-a", root.join("loop-b")).unwrap();
        symlink("..", root.join("node_modules/up")).unwrap();
        let tree = ArchiveTree::open_path(root, &Limits::default()).unwrap();
        let scan = scan(&tree);
        assert_eq!(packages(&scan), [MINIMIST]);
        let mut skipped: Vec<_> = scan
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        skipped.sort();
        assert_eq!(skipped.len(), 4, "{skipped:?}");
        let paths: Vec<_> = skipped.iter().map(|s| s.0).collect();
        assert_eq!(
            paths,
            [
                "loop-a",
                "loop-b",
                "node_modules/dangling",
                "package-lock.json"
            ]
        );
        assert!(skipped[3].1.contains("outside the folder: not followed"));
        assert!(skipped[2]
            .1
            .contains("symbolic link to missing, which cannot be resolved"));
        assert!(scan.incomplete.is_empty(), "{:?}", scan.incomplete);
    }

    #[test]
    fn files_past_the_limit_are_gaps_by_their_size_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join(MINIMIST.2), &package_json("minimist", "1.2.0"));
        let big = vec![b' '; 2_000];
        write(&root.join("node_modules/big/package.json"), &big);
        write(&root.join("lib/huge.jar"), &big);
        let limits = Limits {
            max_entry_bytes: 1_000,
            ..Limits::default()
        };
        let tree = ArchiveTree::open_path(root, &limits).unwrap();
        let scan = scan(&tree);
        assert_eq!(packages(&scan), [MINIMIST]);
        let g = gaps(&scan);
        assert_eq!(g.len(), 2, "{g:?}");
        assert_eq!(g[0].0, "lib/huge.jar");
        assert!(g[0]
            .1
            .contains("2000 bytes exceeds the per-entry limit of 1000"));
        assert_eq!(g[1].0, "node_modules/big/package.json");
        assert!(g[1]
            .1
            .contains("2000 bytes exceeds the per-entry limit of 1000"));
    }

    #[test]
    fn a_3_gib_jar_in_a_folder_is_a_gap_without_being_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join(MINIMIST.2), &package_json("minimist", "1.2.0"));
        std::fs::create_dir_all(root.join("lib")).unwrap();
        // Sparse: 3 GiB on paper, nothing on disk; reading it whole would take 3 GiB.
        let jar = std::fs::File::create(root.join("lib/huge.jar")).unwrap();
        jar.set_len(3 << 30).unwrap();
        let tree = ArchiveTree::open_path(root, &Limits::default()).unwrap();
        let scan = scan(&tree);
        assert_eq!(packages(&scan), [MINIMIST]);
        let g = gaps(&scan);
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].0, "lib/huge.jar");
        assert!(
            g[0].1
                .contains("3221225472 bytes exceeds the per-entry limit"),
            "{g:?}"
        );
    }

    #[test]
    fn a_file_that_cannot_be_read_is_a_gap_naming_it_and_the_rest_is_scanned() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join(MINIMIST.2), &package_json("minimist", "1.2.0"));
        let gone = root.join("node_modules/gone/package.json");
        write(&gone, &package_json("gone", "1.0.0"));
        let tree = ArchiveTree::open_path(root, &Limits::default()).unwrap();
        std::fs::remove_file(&gone).unwrap();
        let scan = scan(&tree);
        assert_eq!(packages(&scan), [MINIMIST]);
        let g = gaps(&scan);
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].0, "node_modules/gone/package.json");
        assert!(g[0].1.contains("No such file or directory"), "{g:?}");
        assert_eq!(g[0].1.matches("os error").count(), 1, "{g:?}");
    }

    #[test]
    fn an_artifact_that_is_not_a_regular_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("function.zip");
        mkfifo(&fifo);
        for (path, kind) in [
            (fifo.as_path(), "FIFO"),
            (Path::new("/dev/zero"), "character device"),
        ] {
            let err = ArchiveTree::open_path(path, &Limits::default()).unwrap_err();
            assert!(matches!(err, ArchiveError::NotRegularFile { .. }), "{err}");
            assert!(
                err.to_string()
                    .contains(&format!("not a regular file ({kind})")),
                "{err}"
            );
        }
    }
}
