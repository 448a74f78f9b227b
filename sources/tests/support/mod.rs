//! A temporary folder laid out like OSV's export bucket
//! (`<Ecosystem>/all.zip`, `<Ecosystem>/modified_id.csv`,
//! `<Ecosystem>/<ID>.json`), served on 127.0.0.1 by testkit's scripted
//! server, plus the checks every update test makes on the cache.

#![allow(dead_code)]

use analyzer::advisories::{Database, Locations};
use analyzer::Ecosystem;
use lambda_audit_sources::update::{self, Request, Silent, UpdateError, UpdateReport};
use std::path::{Path, PathBuf};
use testkit::aws::{Canned, Scripted};

/// One record: its id, last modification and the package it names.
#[derive(Clone, Debug)]
pub struct Rec {
    pub id: String,
    pub modified: String,
    pub package: String,
}

pub fn rec(id: &str, modified: &str, package: &str) -> Rec {
    Rec {
        id: id.into(),
        modified: modified.into(),
        package: package.into(),
    }
}

/// The OSV JSON of `r` in ecosystem `eco`.
pub fn record_json(eco: &str, r: &Rec) -> String {
    format!(
        r#"{{"id":"{}","modified":"{}","summary":"{} is bad","affected":[{{"package":{{"ecosystem":"{eco}","name":"{}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0.0"}}]}}]}}]}}"#,
        r.id, r.modified, r.package, r.package
    )
}

/// The export bucket and its server.
pub struct Bucket {
    pub dir: tempfile::TempDir,
    pub server: Scripted,
}

impl Bucket {
    pub fn new() -> Bucket {
        Bucket {
            dir: tempfile::tempdir().unwrap(),
            server: Scripted::start(),
        }
    }

    pub fn base(&self) -> &str {
        &self.server.base
    }

    /// Writes ecosystem `eco`'s records, export and listing, and serves them
    /// (records of an earlier publish are removed).
    pub fn publish(&self, eco: &str, records: &[Rec]) {
        let dir = self.dir.path().join(eco);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut members = Vec::new();
        let mut listing = String::new();
        for r in records {
            let json = record_json(eco, r);
            std::fs::write(dir.join(format!("{}.json", r.id)), &json).unwrap();
            members.push((format!("{}.json", r.id), json.into_bytes()));
            listing.push_str(&format!("{},{}\n", r.modified, r.id));
        }
        let members: Vec<(&str, &[u8])> = members
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        std::fs::write(dir.join("all.zip"), testkit::zip_of(&members)).unwrap();
        std::fs::write(dir.join("modified_id.csv"), listing).unwrap();
        self.serve();
    }

    /// Publishes one record per ecosystem.
    pub fn publish_all(&self, modified: &str) {
        for eco in Ecosystem::ALL {
            let eco = eco.as_str();
            self.publish(eco, &[rec(&format!("{}-1", prefix(eco)), modified, "pkg")]);
        }
    }

    /// Routes every file of the folder as it is now.
    pub fn serve(&self) {
        for eco in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            for file in std::fs::read_dir(eco.path()).unwrap().flatten() {
                let path = format!(
                    "/{}/{}",
                    eco.file_name().to_string_lossy(),
                    file.file_name().to_string_lossy()
                );
                let bytes = std::fs::read(file.path()).unwrap();
                self.server.route(&path, vec![Canned::ok(bytes)]);
            }
        }
    }

    /// Answers `path` with `answer` from now on.
    pub fn fault(&self, path: &str, answer: Canned) {
        self.server.route(path, vec![answer]);
    }

    pub fn hits(&self, path: &str) -> usize {
        self.server.hits(path)
    }
}

pub fn prefix(eco: &str) -> String {
    eco.replace('.', "").to_uppercase()
}

/// A cache folder and the update it runs.
pub struct Cache {
    pub dir: tempfile::TempDir,
}

impl Cache {
    pub fn new() -> Cache {
        Cache {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    pub fn locations(&self) -> Locations {
        Locations {
            db_env: None,
            cache_root: Some(self.dir.path().to_path_buf()),
        }
    }

    /// Runs an update of `ecosystems` (all when empty).
    pub fn update(
        &self,
        base: &str,
        ecosystems: &[Ecosystem],
        full: bool,
    ) -> Result<UpdateReport, UpdateError> {
        self.update_with(base, ecosystems, full, update::MAX_CHANGED_RECORDS)
    }

    /// Likewise, fetching at most `max_changed` records one by one.
    pub fn update_with(
        &self,
        base: &str,
        ecosystems: &[Ecosystem],
        full: bool,
        max_changed: usize,
    ) -> Result<UpdateReport, UpdateError> {
        let http = update::client().unwrap();
        let request = Request {
            base_url: base,
            ecosystems,
            full,
            max_changed,
            kev_url: None,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(update::update(&http, &request, &self.root(), &Silent))
    }

    /// The pointer file's content (`None` without one).
    pub fn pointer(&self) -> Option<String> {
        std::fs::read_to_string(self.root().join("current")).ok()
    }

    /// The database a scan would open now.
    pub fn database(&self) -> Database {
        self.locations().locate(None).unwrap()
    }

    /// What a scan of `package` in `eco` finds now: (id, modified) pairs.
    pub fn scan(&self, eco: Ecosystem, package: &str) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = self
            .database()
            .lookup(eco, package)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.modified))
            .collect();
        found.sort();
        found
    }

    /// Every entry under the cache's `db` folder, relative, sorted.
    pub fn files(&self) -> Vec<String> {
        fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                out.push(p.strip_prefix(base).unwrap().display().to_string());
                if p.is_dir() {
                    walk(base, &p, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root(), &self.root(), &mut out);
        out.sort();
        out
    }
}
