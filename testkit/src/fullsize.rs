//! A database of OSV's full size, built deterministically from the shared
//! records, for benchmarks: every record of the four supported ecosystems'
//! exports, plus [`REPLICAS`] copies of it under other package names (and
//! ids), plus [`MALICIOUS`] `MAL-`-shaped npm records (one `introduced: 0`
//! range each, like OSV's malicious-package records), written as
//! `<Ecosystem>/all.zip` like OSV's exports, each with its
//! `<Ecosystem>/modified_id.csv` listing (`<modified>,<id>` per record, in zip
//! order). From the 4,778 shared records: 4,778 × 9 + 200,000 = 243,002
//! records. [`write_shaped`] writes other sizes (the shared records alone are
//! the baseline the benches compare with).

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;

/// Copies of every shared record, each under new package names.
pub const REPLICAS: usize = 8;
/// Generated malicious-package npm records.
pub const MALICIOUS: usize = 200_000;
/// The ecosystems whose exports are replicated.
pub const ECOSYSTEMS: [&str; 4] = ["npm", "PyPI", "crates.io", "Maven"];

/// How a generated database is made from the shared records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Copies of every shared record under other names.
    pub replicas: usize,
    /// Generated `MAL-` npm records.
    pub malicious: usize,
}

impl Shape {
    /// OSV's full size: [`REPLICAS`] and [`MALICIOUS`].
    pub const FULL: Shape = Shape {
        replicas: REPLICAS,
        malicious: MALICIOUS,
    };
    /// The shared records alone, re-zipped the same way (a baseline).
    pub const SHARED: Shape = Shape {
        replicas: 0,
        malicious: 0,
    };
}

/// Name of the listing written beside each `all.zip`.
pub const LISTING_FILE: &str = "modified_id.csv";

/// What [`write`] produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FullSize {
    /// Records written, over all zips.
    pub records: usize,
    /// Bytes of the zips.
    pub zip_bytes: u64,
}

/// Writes the full-size database built from `shared` (a folder of
/// `<Ecosystem>/all.zip`, e.g. `../shared/advisories`) into `dir`.
pub fn write(shared: &Path, dir: &Path) -> std::io::Result<FullSize> {
    write_shaped(shared, dir, Shape::FULL)
}

/// Writes a database of `shape` built from `shared` into `dir`.
pub fn write_shaped(shared: &Path, dir: &Path, shape: Shape) -> std::io::Result<FullSize> {
    let mut total = FullSize {
        records: 0,
        zip_bytes: 0,
    };
    for eco in ECOSYSTEMS {
        let records = read_export(&shared.join(eco).join("all.zip"))?;
        let out = dir.join(eco).join("all.zip");
        std::fs::create_dir_all(dir.join(eco))?;
        let mut zip = Writer::create(&out)?;
        for record in &records {
            zip.add(record)?;
            for replica in 1..=shape.replicas {
                zip.add(&replicate(record, replica))?;
            }
        }
        if eco == "npm" {
            for n in 0..shape.malicious {
                zip.add(&malicious(n))?;
            }
        }
        total.records += zip.finish(&dir.join(eco).join(LISTING_FILE))?;
        total.zip_bytes += std::fs::metadata(&out)?.len();
    }
    Ok(total)
}

/// The JSON records of an export, in zip order.
fn read_export(path: &Path) -> std::io::Result<Vec<Value>> {
    let file = std::fs::File::open(path)?;
    let mut zip = zip::ZipArchive::new(file).map_err(std::io::Error::other)?;
    let mut records = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut member = zip.by_index(i).map_err(std::io::Error::other)?;
        if !member.name().ends_with(".json") {
            continue;
        }
        let mut bytes = Vec::new();
        member.read_to_end(&mut bytes)?;
        records.push(serde_json::from_slice(&bytes).map_err(std::io::Error::other)?);
    }
    Ok(records)
}

/// Copy `n` of `record`: its id and every package name get the suffix `-rN`
/// (for Maven, the artifact id).
fn replicate(record: &Value, n: usize) -> Value {
    let mut copy = record.clone();
    if let Some(id) = copy["id"].as_str() {
        copy["id"] = json!(format!("{id}-R{n}"));
    }
    if let Some(affected) = copy["affected"].as_array_mut() {
        for entry in affected {
            if let Some(name) = entry["package"]["name"].as_str() {
                entry["package"]["name"] = json!(format!("{name}-r{n}"));
            }
            if let Some(package) = entry["package"].as_object_mut() {
                package.remove("purl");
            }
        }
    }
    copy
}

/// Malicious-package record `n`: a deterministic made-up npm name, one
/// `introduced: 0` range, and the provenance fields such records carry.
fn malicious(n: usize) -> Value {
    const PARTS: [&str; 12] = [
        "util", "react", "config", "helper", "lodash", "node", "sdk", "auth", "colors", "core",
        "api", "logger",
    ];
    // A fixed LCG spreads the name parts without a random source.
    let mix = (n as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let name = format!(
        "{}-{}-{n}",
        PARTS[(mix >> 33) as usize % PARTS.len()],
        PARTS[(mix >> 45) as usize % PARTS.len()]
    );
    let id = format!("MAL-2025-{n:06}");
    let day = 1 + n % 28;
    json!({
        "modified": format!("2025-01-{day:02}T00:00:00Z"),
        "published": format!("2025-01-{day:02}T00:00:00Z"),
        "schema_version": "1.5.0",
        "id": id,
        "summary": format!("Malicious code in {name} (npm)"),
        "details": format!(
            "\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: \
             ossf-package-analysis\nThe package {name} seems malicious: it sends environment \
             variables to a remote host when it is installed.\n"
        ),
        "affected": [{
            "package": {"ecosystem": "npm", "name": name},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
            "database_specific": {"source": format!("https://example.invalid/malicious/npm/{name}/{id}.json")}
        }],
        "database_specific": {"malicious-packages-origins": [{
            "source": "ossf-package-analysis",
            "import_time": format!("2025-01-{day:02}T00:00:00Z"),
            "versions": ["1.0.0"]
        }]}
    })
}

/// A zip of `<id>.json` members, deflated (zip's default level, as OSV's),
/// and the listing of their modification times.
struct Writer {
    zip: zip::ZipWriter<std::io::BufWriter<std::fs::File>>,
    count: usize,
    listing: String,
}

impl Writer {
    fn create(path: &Path) -> std::io::Result<Writer> {
        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        Ok(Writer {
            zip: zip::ZipWriter::new(file),
            count: 0,
            listing: String::new(),
        })
    }

    fn add(&mut self, record: &Value) -> std::io::Result<()> {
        let id = record["id"].as_str().unwrap_or("unnamed");
        let options = zip::write::SimpleFileOptions::default();
        self.zip
            .start_file(format!("{id}.json"), options)
            .map_err(std::io::Error::other)?;
        serde_json::to_writer(&mut self.zip, record).map_err(std::io::Error::other)?;
        if let Some(modified) = record["modified"].as_str() {
            self.listing.push_str(&format!("{modified},{id}\n"));
        }
        self.count += 1;
        Ok(())
    }

    /// Finishes the zip and writes the listing to `listing`.
    fn finish(self, listing: &Path) -> std::io::Result<usize> {
        self.zip.finish().map_err(std::io::Error::other)?.flush()?;
        std::fs::write(listing, self.listing)?;
        Ok(self.count)
    }
}
