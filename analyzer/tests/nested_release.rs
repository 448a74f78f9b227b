//! Nested archives that must be inflated are held only while they are listed
//! and while their files are read: many of them, together far larger than the
//! nested-archive pool, are read whole; a single one larger than the pool is a gap.

use lambda_audit_analyzer::archive::ArchiveTree;
use lambda_audit_analyzer::extract::{all, scan_tree};
use lambda_audit_analyzer::Limits;
use std::io::Write;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// The nested-archive pool of these tests (the default is 256 MiB).
const POOL: u64 = 64 << 10;

fn zip_with(entries: &[(String, Vec<u8>)], method: CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// `n` bytes that do not compress (an LCG), so a jar holding them is about `n` bytes.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

/// A jar of about `size` bytes declaring the Maven artifact `g:name:1.0.<i>`.
fn jar(name: &str, i: usize, size: usize) -> Vec<u8> {
    let props = format!("groupId=g\nartifactId={name}\nversion=1.0.{i}\n");
    zip_with(
        &[
            (
                format!("META-INF/maven/g/{name}/pom.properties"),
                props.into_bytes(),
            ),
            ("padding.bin".into(), noise(size, i as u64)),
        ],
        CompressionMethod::Stored,
    )
}

fn limits() -> Limits {
    Limits {
        max_nested_archive_bytes: POOL,
        ..Limits::default()
    }
}

/// Maven coordinates found by a full scan, and the scan's gaps.
fn scan(tree: &ArchiveTree) -> (Vec<String>, Vec<String>) {
    let scan = scan_tree(tree, &all());
    let mut found: Vec<String> = scan
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    found.sort();
    found.dedup();
    let gaps = scan
        .incomplete
        .iter()
        .map(|g| format!("{}: {}", g.path, g.reason))
        .collect();
    (found, gaps)
}

#[test]
fn many_inflated_jars_larger_together_than_the_pool_are_read_whole() {
    // 12 jars of ~20 KiB (240 KiB together, the pool is 64 KiB), deflated in
    // the artifact, and a war (deflated) holding two more deflated jars.
    let mut entries: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| {
            (
                format!("lib/a{i:02}.jar"),
                jar(&format!("a{i:02}"), i, 20_000),
            )
        })
        .collect();
    let war = zip_with(
        &[
            ("WEB-INF/lib/w0.jar".into(), jar("w0", 0, 12_000)),
            ("WEB-INF/lib/w1.jar".into(), jar("w1", 1, 12_000)),
        ],
        CompressionMethod::Deflated,
    );
    entries.push(("app.war".into(), war));
    let artifact = zip_with(&entries, CompressionMethod::Deflated);
    let tree = ArchiveTree::open_bytes("fn.zip", artifact, &limits()).unwrap();
    assert!(tree.gaps.is_empty(), "{:?}", tree.gaps);
    assert_eq!(tree.jars.len(), 15, "every jar (and the war) is listed");

    let (found, gaps) = scan(&tree);
    assert!(gaps.is_empty(), "{gaps:?}");
    let mut expected: Vec<String> = (0..12).map(|i| format!("g:a{i:02}@1.0.{i}")).collect();
    expected.extend(["g:w0@1.0.0".to_string(), "g:w1@1.0.1".to_string()]);
    expected.sort();
    assert_eq!(found, expected);

    // Every file reads again, in reverse order, byte for byte: what the scan
    // held went back to the pool.
    for file in tree.files.iter().rev() {
        let bytes = tree
            .read(file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.path));
        assert_eq!(bytes.len() as u64, file.size, "{}", file.path);
    }
    let (again, gaps) = scan(&tree);
    assert!(gaps.is_empty(), "{gaps:?}");
    assert_eq!(again, found);
}

#[test]
fn a_single_jar_larger_than_the_pool_is_still_a_gap() {
    let artifact = zip_with(
        &[
            ("lib/small.jar".into(), jar("small", 1, 10_000)),
            ("lib/huge.jar".into(), jar("huge", 2, 2 * POOL as usize)),
        ],
        CompressionMethod::Deflated,
    );
    let tree = ArchiveTree::open_bytes("fn.zip", artifact, &limits()).unwrap();
    assert_eq!(tree.gaps.len(), 1, "{:?}", tree.gaps);
    assert_eq!(tree.gaps[0].path, "lib/huge.jar");
    assert!(
        tree.gaps[0].reason.contains("nested"),
        "{}",
        tree.gaps[0].reason
    );
    let (found, gaps) = scan(&tree);
    assert_eq!(found, ["g:small@1.0.1"]);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
}
