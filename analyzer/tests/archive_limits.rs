//! Hostile and broken archives: every one gives a clear error or warning, never a
//! panic or a hang, and every limit is enforced as documented.

use lambda_audit_analyzer::archive::{ArchiveError, ArchiveTree, ReadError};
use lambda_audit_analyzer::Limits;
use std::io::Write;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

fn zip_with(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(method)
        .large_file(false);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn deflated(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, CompressionMethod::Deflated)
}

fn open(bytes: Vec<u8>) -> Result<ArchiveTree, ArchiveError> {
    ArchiveTree::open_bytes("test.zip", bytes, &Limits::default())
}

#[test]
fn empty_file_is_a_clear_error() {
    let err = open(Vec::new()).unwrap_err();
    assert!(matches!(err, ArchiveError::Empty { .. }));
    assert_eq!(
        err.to_string(),
        "test.zip: empty file (0 bytes), not a zip archive"
    );
}

#[test]
fn non_zip_file_is_a_clear_error() {
    let err = open(b"#!/bin/sh\necho not a zip\n".to_vec()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotZip { .. }), "{err}");
    assert!(err
        .to_string()
        .starts_with("test.zip: not a readable zip archive"));
}

#[test]
fn truncated_zip_is_a_clear_error() {
    let bytes = deflated(&[("a.txt", &[b'a'; 4096]), ("b/package.json", b"{}")]);
    for cut in [bytes.len() / 2, bytes.len() - 10, 30] {
        let err = open(bytes[..cut].to_vec()).unwrap_err();
        assert!(
            matches!(err, ArchiveError::NotZip { .. }),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn zip_bomb_entry_is_refused_by_ratio_under_default_limits() {
    let zeros = vec![0u8; 24 << 20];
    let tree = open(deflated(&[("bomb.json", &zeros), ("ok.txt", b"fine")])).unwrap();
    let bomb = tree.get("bomb.json").unwrap();
    assert!(bomb.size / bomb.compressed_size > Limits::default().max_compression_ratio);
    let err = tree.read(bomb).unwrap_err();
    assert!(matches!(err, ReadError::Ratio { .. }), "{err}");
    assert!(err.to_string().contains("possible zip bomb"));
    assert_eq!(tree.read(tree.get("ok.txt").unwrap()).unwrap(), b"fine");
}

#[test]
fn nested_zip_bomb_is_not_opened_and_leaves_a_gap() {
    let inner = deflated(&[("x", &vec![0u8; 24 << 20])]);
    let zeros = vec![0u8; 24 << 20];
    let outer = deflated(&[("inner.zip", &inner), ("lib/huge.jar", &zeros)]);
    let tree = open(outer).unwrap();
    let gaps: Vec<_> = tree
        .gaps
        .iter()
        .map(|g| (g.path.as_str(), g.reason.as_str()))
        .collect();
    assert!(
        gaps.iter()
            .any(|(p, r)| *p == "lib/huge.jar" && r.contains("possible zip bomb")),
        "{gaps:?}"
    );
    // inner.zip is opened (its own ratio is fine); its bomb entry is listed but refused on read.
    let x = tree.get("inner.zip!/x").expect("nested entry listed");
    assert!(matches!(tree.read(x), Err(ReadError::Ratio { .. })));
}

#[test]
fn per_entry_and_total_limits_are_enforced() {
    let limits = Limits {
        max_entry_bytes: 1000,
        max_total_inflated_bytes: 1500,
        ..Limits::default()
    };
    let bytes = zip_with(
        &[("a", &[1u8; 800]), ("b", &[2u8; 800]), ("c", &[3u8; 1001])],
        CompressionMethod::Stored,
    );
    let tree = ArchiveTree::open_bytes("t.zip", bytes, &limits).unwrap();
    assert!(matches!(
        tree.read(tree.get("c").unwrap()),
        Err(ReadError::EntryTooLarge {
            size: 1001,
            limit: 1000
        })
    ));
    assert_eq!(tree.read(tree.get("a").unwrap()).unwrap().len(), 800);
    assert!(matches!(
        tree.read(tree.get("b").unwrap()),
        Err(ReadError::TotalTooLarge { limit: 1500 })
    ));
}

#[test]
fn entry_count_limit() {
    let limits = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let bytes = deflated(&[("1", b""), ("2", b""), ("3", b""), ("4", b"")]);
    let err = ArchiveTree::open_bytes("t.zip", bytes, &limits).unwrap_err();
    assert!(
        err.to_string().contains("4 entries exceeds the limit of 3"),
        "{err}"
    );
}

#[test]
fn nesting_past_the_depth_limit_stops_with_a_gap() {
    let mut bytes = deflated(&[("deepest.txt", b"x")]);
    for level in (1..=6).rev() {
        bytes = deflated(&[(&format!("level{level}.zip"), &bytes)]);
    }
    let tree = open(bytes).unwrap();
    let max = Limits::default().max_depth;
    assert_eq!(max, 4);
    // level1 (depth 1) .. level4 (depth 4) are opened; level5 would be depth 5.
    let deepest_listed = tree.files.iter().map(|f| f.depth).max().unwrap();
    assert_eq!(deepest_listed, max);
    let level5 = "level1.zip!/level2.zip!/level3.zip!/level4.zip!/level5.zip";
    assert!(tree.get(level5).is_some());
    let gap = tree
        .gaps
        .iter()
        .find(|g| g.reason.contains("nesting limit"))
        .expect("a nesting gap");
    assert_eq!(gap.path, level5);
    assert!(tree.files.iter().all(|f| !f.path.ends_with("deepest.txt")));
}

#[test]
fn non_utf8_entry_name_is_kept_with_a_warning() {
    let mut bytes = deflated(&[("caf\u{e9}/package.json", b"{}")]);
    // Replace the UTF-8 bytes of `é` (C3 A9) with bytes that are not UTF-8, in both
    // the local header and the central directory; the UTF-8 flag stays set.
    let mut replaced = 0;
    for i in 0..bytes.len() - 1 {
        if bytes[i] == 0xC3 && bytes[i + 1] == 0xA9 {
            bytes[i] = 0xFF;
            bytes[i + 1] = 0xFE;
            replaced += 1;
        }
    }
    assert_eq!(replaced, 2);
    match open(bytes) {
        Ok(tree) => {
            assert_eq!(tree.files.len(), 1);
            assert!(tree.files[0].path.ends_with("/package.json"));
            assert!(
                tree.warnings
                    .iter()
                    .any(|w| w.message.contains("not valid UTF-8")),
                "{:?}",
                tree.warnings
            );
        }
        Err(e) => panic!("a bad entry name must not make the archive unreadable: {e}"),
    }
}

#[test]
fn zip_slip_names_are_placed_inside_the_root_with_a_warning_and_never_written() {
    let tree = open(deflated(&[("../../etc/cron.d/x", b"boom")])).unwrap();
    assert_eq!(tree.files[0].path, "etc/cron.d/x");
    assert!(tree.warnings.iter().any(|w| w.message.contains("zip-slip")));
}

#[test]
fn stored_nested_jars_are_read_without_copying_and_hashed() {
    let inner = zip_with(
        &[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n")],
        CompressionMethod::Stored,
    );
    let outer = zip_with(&[("BOOT-INF/lib/a.jar", &inner)], CompressionMethod::Stored);
    let tree = ArchiveTree::open_bytes("app.jar", outer.clone(), &Limits::default()).unwrap();
    let jar_paths: Vec<_> = tree.jars.iter().map(|j| j.path.as_str()).collect();
    assert_eq!(jar_paths, [".", "BOOT-INF/lib/a.jar"]);
    use sha1::Digest;
    assert_eq!(tree.jars[1].sha1, hex::encode(sha1::Sha1::digest(&inner)));
    assert_eq!(tree.jars[0].sha1, hex::encode(sha1::Sha1::digest(&outer)));
    let mf = tree
        .get("BOOT-INF/lib/a.jar!/META-INF/MANIFEST.MF")
        .unwrap();
    assert_eq!(tree.read(mf).unwrap(), b"Manifest-Version: 1.0\r\n");
}

#[test]
fn corrupt_nested_archive_is_a_warning_not_an_error() {
    let tree = open(deflated(&[
        ("lib/broken.jar", b"PK\x03\x04 not really"),
        ("index.js", b""),
    ]))
    .unwrap();
    assert!(tree.get("index.js").is_some());
    let w = tree
        .warnings
        .iter()
        .find(|w| w.path == "lib/broken.jar")
        .unwrap();
    assert!(
        w.message.starts_with("nested archive not readable"),
        "{}",
        w.message
    );
}

#[test]
fn a_listing_keeps_the_files_but_not_the_bytes() {
    let tree = open(deflated(&[("a/package.json", b"{}"), ("b.txt", b"x")])).unwrap();
    let listing = tree.listing();
    drop(tree);
    let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["a/package.json", "b.txt"]);
    assert_eq!(listing.name, "test.zip");
    let err = listing.read(&listing.files[0]).unwrap_err();
    assert!(matches!(err, ReadError::Zip(_)), "{err}");
    assert!(
        err.to_string().contains("only the listing was kept"),
        "{err}"
    );
}
