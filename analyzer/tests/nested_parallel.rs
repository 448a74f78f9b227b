//! Files of nested archives that must be inflated again to be read are read
//! by several threads at once while the nested-archive pool has room; a reader
//! the pool refuses waits until the others let go, and then reads the file.
//! Either way the scan finds what a scan of the same archives stored finds.

use lambda_audit_analyzer::archive::ArchiveTree;
use lambda_audit_analyzer::extract::{all, scan_tree};
use lambda_audit_analyzer::Limits;
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Duration;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Only keeps a broken gate from hanging the run: never a speed assertion.
const HANG: Duration = Duration::from_secs(60);

fn zip_with(entries: &[(String, Vec<u8>)], method: CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A jar declaring the Maven artifact `g:<name>:1.0.<i>`, with some padding.
fn jar(name: &str, i: usize) -> Vec<u8> {
    let props = format!("groupId=g\nartifactId={name}\nversion=1.0.{i}\n");
    let padding: Vec<u8> = (0..4_000u32)
        .flat_map(|n| (n * 7919).to_le_bytes())
        .collect();
    zip_with(
        &[
            (
                format!("META-INF/maven/g/{name}/pom.properties"),
                props.into_bytes(),
            ),
            ("padding.bin".into(), padding),
        ],
        CompressionMethod::Stored,
    )
}

/// An artifact holding jars `a` and `b`, stored or deflated in it.
fn artifact(method: CompressionMethod) -> Vec<u8> {
    let jars: Vec<(String, Vec<u8>)> = ["a", "b"]
        .iter()
        .enumerate()
        .map(|(i, name)| (format!("lib/{name}.jar"), jar(name, i)))
        .collect();
    zip_with(&jars, method)
}

fn open(bytes: Vec<u8>, limits: &Limits) -> ArchiveTree {
    ArchiveTree::open_bytes("fn.zip", bytes, limits).unwrap()
}

const A: &str = "lib/a.jar!/META-INF/maven/g/a/pom.properties";
const B: &str = "lib/b.jar!/META-INF/maven/g/b/pom.properties";

#[test]
fn two_readers_hold_two_reinflated_archives_at_once() {
    let tree = &open(artifact(CompressionMethod::Deflated), &Limits::default());
    let (a, b) = (tree.get(A).unwrap(), tree.get(B).unwrap());
    std::thread::scope(|scope| {
        // The first reader holds jar a (inflated again) while it streams.
        let mut first = tree.open(a).unwrap();
        let mut head = [0u8; 8];
        first.read_exact(&mut head).unwrap();
        let (sent, received) = mpsc::channel();
        scope.spawn(move || sent.send(tree.read(b).map_err(|e| e.to_string())));
        let second = received
            .recv_timeout(HANG)
            .expect("a second reader progresses while the first holds its archive");
        assert!(second.unwrap().starts_with(b"groupId=g\nartifactId=b"));
        let mut rest = Vec::new();
        first.read_to_end(&mut rest).unwrap();
        assert_eq!(&head, b"groupId=");
        first.finish().unwrap();
    });
}

#[test]
fn a_reader_the_pool_refuses_waits_for_the_others_then_reads() {
    // Room for one jar at a time.
    let one = jar("a", 0).len().max(jar("b", 1).len()) as u64;
    let limits = Limits {
        max_nested_archive_bytes: one,
        ..Limits::default()
    };
    let tree = open(artifact(CompressionMethod::Deflated), &limits);
    let (a, b) = (tree.get(A).unwrap(), tree.get(B).unwrap());
    std::thread::scope(|scope| {
        let first = tree.open(a).unwrap();
        let second = scope.spawn(|| tree.read(b).map_err(|e| e.to_string()));
        // Jar a goes back to the pool once its reader is done.
        first.finish().unwrap();
        let second = second.join().unwrap();
        assert!(second.unwrap().starts_with(b"groupId=g\nartifactId=b"));
    });
}

#[test]
fn the_inventory_is_that_of_the_same_jars_stored() {
    let packages = |tree: &ArchiveTree| {
        let scan = scan_tree(tree, &all());
        assert!(scan.incomplete.is_empty(), "{:?}", scan.incomplete);
        scan.packages
            .iter()
            .map(|p| format!("{} {} {}", p.name, p.version, p.path))
            .collect::<Vec<_>>()
    };
    let stored = packages(&open(
        artifact(CompressionMethod::Stored),
        &Limits::default(),
    ));
    assert_eq!(stored.len(), 2, "{stored:?}");
    let one = jar("a", 0).len().max(jar("b", 1).len()) as u64;
    for pool in [Limits::default().max_nested_archive_bytes, one] {
        let limits = Limits {
            max_nested_archive_bytes: pool,
            ..Limits::default()
        };
        let tree = open(artifact(CompressionMethod::Deflated), &limits);
        assert_eq!(packages(&tree), stored, "pool of {pool} bytes");
    }
}
