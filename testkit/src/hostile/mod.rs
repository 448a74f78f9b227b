//! Hostile archives from issue 11, each built from scratch, each around a
//! legitimate `package.json` that a correct scan must still report (or give a
//! gap for). Shared by the engine's tests and the CLI's memory-ceiling test.
//!
//! - [`cases`]: every hostile family (these archives, big and deep manifests
//!   from [`lockfiles`]) with its ceiling and expected outcome, built on disk;
//! - [`launch`]: running the CLI on one, measuring its peak RSS and times;
//!   `Case::judge` (in `judge`): whether what it gave is right.

pub mod cases;
#[cfg(target_os = "linux")]
mod judge;
#[cfg(target_os = "linux")]
pub mod launch;
pub mod lockfiles;
mod raw;

pub use raw::{crc32, deflate, RawZip, Record, DEFLATED, STORED};

/// An npm `package.json` for `name@version`.
pub fn package_json(name: &str, version: &str) -> Vec<u8> {
    format!("{{\"name\":\"{name}\",\"version\":\"{version}\"}}").into_bytes()
}

/// The 749-byte blind spot: `node_modules/minimist/package.json` (1.2.0) and
/// five central-directory entries `a/x0.jar` … `a/x4.jar` that share one
/// 100-byte local record and each declare 511 MiB.
pub fn lying_sizes() -> Vec<u8> {
    let mut z = RawZip::new();
    z.deflated(
        "node_modules/minimist/package.json",
        &package_json("minimist", "1.2.0"),
    );
    let filler = [0x5a_u8; 100];
    let shared = z.local(b"a/x0.jar", STORED, &filler, &filler);
    for i in 0..5 {
        z.central(Record {
            name: format!("a/x{i}.jar").into_bytes(),
            size: 511 << 20,
            ..shared.clone()
        });
    }
    z.finish()
}

/// Two entries named `node_modules/lodash/package.json`: 4.17.15, then 4.17.21.
pub fn duplicate_names() -> Vec<u8> {
    let mut z = RawZip::new();
    let path = "node_modules/lodash/package.json";
    z.deflated(path, &package_json("lodash", "4.17.15"));
    z.deflated(path, &package_json("lodash", "4.17.21"));
    z.finish()
}

/// Two different names that are not UTF-8 and read the same once decoded
/// (`caf\xff` and `caf\xfe`): `left-pad` 1.0.0 in one, `lodash` 4.17.15 in the other.
pub fn non_utf8_twins() -> Vec<u8> {
    let mut z = RawZip::new();
    for (byte, name, version) in [(0xff, "left-pad", "1.0.0"), (0xfe, "lodash", "4.17.15")] {
        let mut path = b"node_modules/caf".to_vec();
        path.push(byte);
        path.extend_from_slice(b"/package.json");
        let json = package_json(name, version);
        let r = z.local(&path, DEFLATED, &deflate(&json), &json);
        z.central(r);
    }
    z.finish()
}

/// `node_modules/./x/../y/package.json` (`y` 1.0.0, inside the root) and
/// `../../node_modules/z/package.json` (`z` 2.0.0, escaping it).
pub fn dot_paths() -> Vec<u8> {
    let mut z = RawZip::new();
    z.deflated(
        "node_modules/./x/../y/package.json",
        &package_json("y", "1.0.0"),
    );
    z.deflated(
        "../../node_modules/z/package.json",
        &package_json("z", "2.0.0"),
    );
    z.finish()
}

/// A stored zip holding `inner` under `width` central-directory entries
/// `name0.zip` … that all share its one local record.
fn shared_record_zip(inner: &[u8], name: &str, width: usize, evidence: bool) -> Vec<u8> {
    let mut z = RawZip::new();
    if evidence {
        z.deflated(
            "node_modules/minimist/package.json",
            &package_json("minimist", "1.2.0"),
        );
    }
    let shared = z.local(format!("{name}0.zip").as_bytes(), STORED, inner, inner);
    for i in 0..width {
        z.central(Record {
            name: format!("{name}{i}.zip").into_bytes(),
            ..shared.clone()
        });
    }
    z.finish()
}

/// Stored nested archives fanned out with overlapping entries: `levels` levels,
/// each a zip whose `width` entries share the one record of the level below
/// (`width`^`levels` archives if each entry were opened). The outer zip also
/// holds `node_modules/minimist/package.json`. 256 × 4 is the 89 KB case.
pub fn overlapping_fanout(levels: usize, width: usize) -> Vec<u8> {
    let mut bytes = {
        let mut leaf = RawZip::new();
        leaf.stored("leaf.txt", b"leaf");
        leaf.finish()
    };
    for level in 1..=levels {
        bytes = shared_record_zip(&bytes, &format!("l{level}_"), width, level == levels);
    }
    bytes
}

/// Entries whose bytes overlap without sharing a local header: `inner.txt`'s
/// local record lies inside the data of the stored `outer.bin`, Fifield's
/// overlap-bomb construction. Holds `node_modules/minimist/package.json` too.
pub fn partial_overlap() -> Vec<u8> {
    let mut z = RawZip::new();
    z.deflated(
        "node_modules/minimist/package.json",
        &package_json("minimist", "1.2.0"),
    );
    // The inner record, written once inside the outer one's data.
    let mut inner = RawZip::new();
    let inner_record = inner.local(b"inner.txt", STORED, b"inner", b"inner");
    let inner_local = inner.finish_local();
    let outer_at = z.offset();
    let outer = z.local(b"outer.bin", STORED, &inner_local, &inner_local);
    let header_len = 30 + "outer.bin".len() as u32;
    z.central(outer);
    z.central(Record {
        offset: outer_at + header_len + inner_record.offset,
        ..inner_record
    });
    z.finish()
}

/// 42.zip-style fan-out: `levels` levels of deflated zips, each holding `width`
/// copies of the level below, the leaves a MiB of zeros each; the outer zip
/// also holds `node_modules/minimist/package.json`. 16 × 4 is a few dozen KB.
pub fn deflated_fanout(levels: usize, width: usize) -> Vec<u8> {
    let mut bytes = {
        let mut leaf = RawZip::new();
        leaf.deflated("zeros.bin", &vec![0u8; 1 << 20]);
        leaf.finish()
    };
    for level in 1..=levels {
        let mut z = RawZip::new();
        if level == levels {
            z.deflated(
                "node_modules/minimist/package.json",
                &package_json("minimist", "1.2.0"),
            );
        }
        for i in 0..width {
            z.deflated(&format!("l{level}_{i}.zip"), &bytes);
        }
        bytes = z.finish();
    }
    bytes
}

/// A central directory of `records` entries (all sharing one tiny local
/// record) whose end record declares `declared` entries.
pub fn huge_central_directory(records: usize, declared: u64) -> Vec<u8> {
    let mut z = RawZip::new();
    let shared = z.local(b"f", STORED, b"x", b"x");
    for i in 0..records {
        z.central(Record {
            name: format!("f{i}").into_bytes(),
            ..shared.clone()
        });
    }
    z.finish_declaring(declared)
}
